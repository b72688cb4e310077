package dev.evring.lguest;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.Objects;

/**
 * What the guest runtime gives a {@link GuestProgram} on one vCPU: bounded guest memory, notify, halt,
 * interrupt handlers and crash. A context belongs to its vCPU's thread; other threads must not use it
 * (they may use {@link #memory()}).
 *
 * <p>Interrupts the launcher raises with {@link Lguest#sendIrq(int, int)} are taken at
 * {@link #checkInterrupts()} or when {@link #halt()} wakes: each pending interrupt that has a handler is
 * taken once, however many times it was raised. An interrupt with no handler stays pending (masked) until
 * one is registered.
 */
public final class GuestContext
{
    private static final long MAX_PARK_NS = 1_000_000;

    private final GuestRuntime runtime;
    private final ControlBlock control;
    private final int cpu;
    private final InterruptHandler[] handlers = new InterruptHandler[ControlBlock.IRQS];
    private final IdleStrategy idle = new BackoffIdleStrategy(200, 20, 1_000, MAX_PARK_NS);
    private int handledMask;
    private long sequence;

    GuestContext(final GuestRuntime runtime, final ControlBlock control, final int cpu)
    {
        this.runtime = runtime;
        this.control = control;
        this.cpu = cpu;
    }

    /**
     * This vCPU's number.
     *
     * @return from 0 to {@code cpus() - 1}.
     */
    public int cpu()
    {
        return cpu;
    }

    /**
     * The number of vCPUs the guest has.
     *
     * @return the count given to {@link Lguest#initialize}.
     */
    public int cpus()
    {
        return control.cpus();
    }

    /**
     * Guest-physical memory. An access outside it kills the guest with a reason naming the address.
     *
     * @return the memory, shared with the launcher and every vCPU.
     */
    public GuestMemory memory()
    {
        return runtime.memory();
    }

    /**
     * Notify an address, like the kernel's {@code LHCALL_NOTIFY}: if the launcher attached a target to the
     * address, the target is signalled and this vCPU goes on; otherwise the launcher's
     * {@link Lguest#run(int)} returns the address. Either way this call returns only when the launcher lets
     * the vCPU run again, and everything the guest wrote to memory before it is visible to the launcher.
     *
     * @param address the address, not 0.
     */
    public void notify(final long address)
    {
        if (address == 0)
        {
            throw new IllegalArgumentException("notify address 0 is reserved: it means no notify");
        }
        control.postNotify(cpu, sequence, address);
        sequence = awaitResume(sequence);
    }

    /**
     * Register the handler of an interrupt on this vCPU, or remove it.
     *
     * @param irq     the interrupt, from 0 to 31.
     * @param handler the handler, or null to mask the interrupt again.
     */
    public void onInterrupt(final int irq, final InterruptHandler handler)
    {
        Objects.checkIndex(irq, ControlBlock.IRQS);
        handlers[irq] = handler;
        handledMask = handler == null ? handledMask & ~(1 << irq) : handledMask | (1 << irq);
    }

    /**
     * Take every pending interrupt that has a handler, lowest number first, calling its handler once.
     * An interrupt raised again while its handler runs stays pending for the next check.
     *
     * @return the number of interrupts taken.
     */
    public int checkInterrupts()
    {
        int pending = control.pendingIrqs(cpu) & handledMask;
        int taken = 0;
        while (pending != 0)
        {
            final int irq = Integer.numberOfTrailingZeros(pending);
            pending &= pending - 1;
            if (control.takeIrq(cpu, irq))
            {
                taken++;
                handlers[irq].handle(irq);
            }
        }
        return taken;
    }

    /**
     * Wait for an interrupt, like the x86 {@code hlt} with interrupts enabled: return at once if one with a
     * handler is pending, else wait until the launcher raises one; then take the pending ones. With no
     * handler registered this waits until the guest is stopped from outside.
     *
     * @return the number of interrupts taken, at least 1.
     */
    public int halt()
    {
        final int taken = checkInterrupts();
        if (taken > 0)
        {
            return taken;
        }
        control.halted(cpu, true); // volatile store, smp_mb: halted is visible before the re-check below
        try
        {
            idle.reset();
            while ((control.pendingIrqs(cpu) & handledMask) == 0)
            {
                idle.idle();
            }
        }
        finally
        {
            control.halted(cpu, false);
        }
        return checkInterrupts();
    }

    /**
     * Kill the guest with a reason, like the kernel's {@code LHCALL_CRASH}: the launcher's next run returns
     * the reason. Never returns.
     *
     * @param reason why, for the launcher.
     */
    public void crash(final String reason)
    {
        runtime.die(String.valueOf(reason));
    }

    /**
     * Wait for this vCPU's first run.
     */
    void awaitFirstRun()
    {
        sequence = awaitResume(0);
    }

    private long awaitResume(final long stoppedAt)
    {
        idle.reset();
        long resumed;
        while ((resumed = control.awaitedResumeSequence(cpu)) == stoppedAt)
        {
            idle.idle();
        }
        return resumed;
    }
}
