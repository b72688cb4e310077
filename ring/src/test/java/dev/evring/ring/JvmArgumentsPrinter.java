package dev.evring.ring;

import java.lang.management.ManagementFactory;

/**
 * A child main for {@link ChildJvmTest}: prints its JVM arguments ({@code jvm <arg>}), its program
 * arguments ({@code arg <arg>}), and the port it got back through a ring, which needs the flags Agrona
 * depends on.
 */
public final class JvmArgumentsPrinter
{
    private JvmArgumentsPrinter()
    {
    }

    /**
     * Print and exit.
     *
     * @param args echoed back.
     */
    public static void main(final String[] args)
    {
        ManagementFactory.getRuntimeMXBean().getInputArguments().forEach(arg -> System.out.println("jvm " + arg));
        for (final String arg : args)
        {
            System.out.println("arg " + arg);
        }
        try (PortRing ring = PortRing.allocate(8))
        {
            ring.offer(5);
            final int[] dst = new int[1];
            ring.read(dst, 0, 1);
            System.out.println("ring " + dst[0]);
        }
    }
}
