package dev.evring.ring;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A child main that damages a file another process has mapped, as a hostile or broken process of the same
 * user can: {@code truncate <file> <length>} cuts it, {@code poke <file> <offset> <int>} writes one
 * little-endian int through the file (the mapping sees it at once). Prints {@code done} and exits 0.
 */
public final class FileVandalProcess
{
    private FileVandalProcess()
    {
    }

    /**
     * Damage the file.
     *
     * @param args the operation, the file, and its operands.
     * @throws Exception if the file cannot be written.
     */
    public static void main(final String[] args) throws Exception
    {
        try (FileChannel channel = FileChannel.open(Path.of(args[1]), StandardOpenOption.WRITE))
        {
            switch (args[0])
            {
                case "truncate" -> channel.truncate(Long.parseLong(args[2]));
                case "poke" -> channel.write(
                    ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(0, Integer.parseInt(args[3])),
                    Long.parseLong(args[2]));
                default -> throw new IllegalArgumentException("unknown operation " + args[0]);
            }
        }
        System.out.println("done");
    }
}
