/**
 * PortRing: a power-of-two ring of 32-bit ports in shared memory, the notification ring of the kernel's
 * Xen event-channel device ({@code drivers/xen/evtchn.c}) between threads or JVM processes, with its
 * doorbell for readers that sleep, and the pieces the other evring modules build on (errors, files, child
 * JVMs).
 *
 * <h2>How the pieces talk</h2>
 * <ul>
 *   <li><b>The ring file</b>: one {@link dev.evring.ring.SharedMappedFile} per ring, mapped by every
 *   process that uses it; {@link dev.evring.ring.PortRingDescriptor} owns its layout (a header, then the
 *   producer word, the consumer word, the control block, the producers' block and the waiters' block, each
 *   on its own 128-byte line, then the entries). The producer writes an entry, fences ({@code smp_wmb})
 *   and publishes {@code prod}; readers load {@code prod}, fence ({@code smp_rmb}), copy, and claim with a
 *   compare-and-set on the consumer word, whose generation half every resize and reset moves. No system
 *   call on either side while readers spin.</li>
 *   <li><b>The doorbell</b>, only for a reader that sleeps ({@link dev.evring.ring.ReaderWaiting#DOORBELL}):
 *   the reader takes its {@link dev.evring.ring.DoorbellWaiter}'s mark, announces itself in the waiters'
 *   block, fences ({@code smp_mb}), re-checks and blocks until a ring after the mark; the producer
 *   publishes, fences, and rings its
 *   {@link dev.evring.ring.Doorbell} only when a port lands in an empty ring while someone sleeps. Across
 *   processes the bell is one byte on a UNIX-domain socket ({@link dev.evring.ring.SocketDoorbell} to each
 *   {@link dev.evring.ring.SocketDoorbellWaiter}); in one process, a
 *   {@link dev.evring.ring.LocalDoorbell}, which wakes every thread asleep on it.</li>
 *   <li><b>The producer role</b>: one producer at a time, passed between instances and processes through
 *   the producers' block (a lock word holding the holder's pid, recovered when the holder dies, given up
 *   after a bounded wait); an instance that claims the exclusive role keeps prod and the size on its own
 *   side and never reads them back from memory other processes can write.</li>
 *   <li><b>Errors</b>: one family carrying Linux error numbers ({@link dev.evring.ring.Errno}). Calls that
 *   declare {@link java.io.IOException} throw {@link dev.evring.ring.ErrnoException} (the evtchn and lguest
 *   modules subclass it; {@link dev.evring.ring.RingFormatException} is the ring's, for a file that is not
 *   a ring); the ring's data-path and producer calls, which declare none, throw the unchecked
 *   {@link dev.evring.ring.RingException} ({@link dev.evring.ring.RingOverflowException} for
 *   {@code EFBIG}), which converts to the checked form with one call.</li>
 *   <li><b>Processes</b>: {@link dev.evring.ring.ChildJvm} starts readers, hubs and guests as child JVMs
 *   with evring's JVM flags, kept in one file.</li>
 * </ul>
 *
 * <h2>Memory other processes can write</h2>
 * Every process of the same user can write, cut or fill the file system under a ring. What the ring
 * guarantees then, and the exact limits the JVM leaves, are in {@link dev.evring.ring.PortRing}'s class
 * comment: values read from the mapping never send an access outside it, every wait on shared memory is
 * bounded, cold paths check the file is whole before their atomics, and a full disk is {@code ENOSPC} from
 * the call that needed the room.
 */
package dev.evring.ring;
