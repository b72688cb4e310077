package dev.evring.cli.bench;

import dev.evring.bench.Mechanisms;
import dev.evring.bench.harness.Mechanism;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Turns a name given to {@code --only} into a {@link Mechanism}; an unknown name is a usage error that
 * lists the valid names.
 */
final class MechanismConverter implements ITypeConverter<Mechanism>
{
    /**
     * {@inheritDoc}
     */
    @Override
    public Mechanism convert(final String value)
    {
        try
        {
            return Mechanisms.byName(value.strip());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new TypeConversionException(ex.getMessage());
        }
    }
}
