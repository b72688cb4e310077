package dev.evring.lguest;

/**
 * Handles one interrupt on one vCPU, registered with {@link GuestContext#onInterrupt(int, InterruptHandler)}
 * and called on that vCPU's thread when it takes the interrupt.
 */
@FunctionalInterface
public interface InterruptHandler
{
    /**
     * Handle an interrupt.
     *
     * @param irq the interrupt number, below 32.
     */
    void handle(int irq);
}
