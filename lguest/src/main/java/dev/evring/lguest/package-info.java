/**
 * The lguest launcher device ({@code drivers/lguest/lguest_user.c}) for JVMs: a launcher process opens an
 * {@link dev.evring.lguest.Lguest}, initializes it with guest memory (a mapped file, bounds-checked, larger
 * than 2 GiB if wanted) and a {@link dev.evring.lguest.GuestProgram} class, and runs the guest, which lives
 * in a child JVM with one thread per vCPU.
 *
 * <h2>How the pieces talk</h2>
 * <ul>
 *   <li><b>Guest memory</b>: one file mapped by both JVMs ({@link dev.evring.lguest.GuestMemory}); every
 *   access is checked against {@code pfnLimit} pages, and a guest access outside kills the guest with a
 *   reason naming the address.</li>
 *   <li><b>Control file</b> ({@code <memory file>.lguest}): a header page (death reason, closing flag) and a
 *   page per vCPU carrying the run / exit handshake (a resume sequence written by the launcher, an exit
 *   sequence and notify address written by the guest) and the 32-bit interrupt bitmap. Each field has one
 *   writer; fences mirror {@code smp_wmb} / {@code smp_rmb} / {@code smp_mb} and say so where they stand.</li>
 *   <li><b>Launcher liveness</b>: the guest JVM's standard input is a pipe only the launcher holds. End of
 *   input means the launcher closed the device or died (even by SIGKILL); the guest then halts at once,
 *   deleting the device's files itself if the launcher did not close it in order.</li>
 *   <li><b>Guest death</b>: a crash, a bad memory access, an uncaught exception or the program returning on
 *   every vCPU writes a reason into the control file before the guest JVM halts; any other exit (a
 *   {@code System.exit}, a signal) is read from the process's exit status.</li>
 * </ul>
 *
 * <h2>Eventfd routing</h2>
 * The lookup is done in the launcher, inside {@link dev.evring.lguest.Lguest#run(int)}, when a vCPU's notify
 * exit is seen, as the kernel does it in {@code run_guest}: a held address is signalled to its
 * {@link dev.evring.lguest.NotifyTarget} (an in-process {@link dev.evring.lguest.CounterTarget}, or an
 * {@link dev.evring.lguest.EvtchnPortTarget} that fires the other end of an event channel) and the vCPU
 * resumed, and {@code run} does not return. The map is
 * read-copy-update: readers never lock; {@code attachEventfd} copies, appends, publishes, waits for a grace
 * period (an epoch announced by each reader) and only then retires the old table.
 */
package dev.evring.lguest;
