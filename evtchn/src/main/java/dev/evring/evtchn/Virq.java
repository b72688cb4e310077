package dev.evring.evtchn;

/**
 * Virtual interrupts, with the numbers of Xen's public {@code xen.h}. A per-domain virq ("V." in Xen,
 * per vCPU there) may be bound once in every domain; a global one ("G.") by one domain at a time.
 * {@link #TIMER} is a periodic source the hub drives; the embedding program raises the others with
 * {@link EvtchnHub#raiseVirq(int, Virq)}.
 */
public enum Virq
{
    /** Periodic timer tick (per domain). */
    TIMER(0, false),
    /** Debug request (per domain). */
    DEBUG(1, false),
    /** Console data is waiting (global). */
    CONSOLE(2, true),
    /** A domain exited or crashed (global). */
    DOM_EXC(3, true),
    /** Trace buffer records are ready (global). */
    TBUF(4, true),
    /** A domain hit a debugger event (global). */
    DEBUGGER(6, true),
    /** Profiling samples are ready (per domain). */
    XENOPROF(7, false),
    /** The hypervisor console ring has data (global). */
    CON_RING(8, true),
    /** A physical CPU changed state (global). */
    PCPU_STATE(9, true),
    /** A memory event is waiting (global). */
    MEM_EVENT(10, true),
    /** An inter-domain message arrived (global). */
    ARGO(11, true),
    /** The host ran low on memory (global). */
    ENOMEM(12, true),
    /** Performance monitoring unit interrupt (per domain). */
    XENPMU(13, false),
    /** Architecture-specific virq 0 (global, as on x86). */
    ARCH_0(16, true),
    /** Architecture-specific virq 1 (global). */
    ARCH_1(17, true),
    /** Architecture-specific virq 2 (global). */
    ARCH_2(18, true),
    /** Architecture-specific virq 3 (global). */
    ARCH_3(19, true),
    /** Architecture-specific virq 4 (global). */
    ARCH_4(20, true),
    /** Architecture-specific virq 5 (global). */
    ARCH_5(21, true),
    /** Architecture-specific virq 6 (global). */
    ARCH_6(22, true),
    /** Architecture-specific virq 7 (global). */
    ARCH_7(23, true);

    /** One past the highest virq number (Xen's {@code NR_VIRQS}). */
    public static final int COUNT = 24;

    private static final Virq[] BY_NUMBER = new Virq[COUNT];

    static
    {
        for (final Virq virq : values())
        {
            BY_NUMBER[virq.number] = virq;
        }
    }

    private final int number;
    private final boolean global;

    Virq(final int number, final boolean global)
    {
        this.number = number;
        this.global = global;
    }

    /**
     * Xen's number for this virq.
     *
     * @return e.g. 0 for {@link #TIMER}, 16 for {@link #ARCH_0}.
     */
    public int number()
    {
        return number;
    }

    /**
     * Whether only one domain at a time may bind this virq.
     *
     * @return true for a global virq.
     */
    public boolean isGlobal()
    {
        return global;
    }

    /**
     * Look a virq up by its Xen number.
     *
     * @param number a virq number.
     * @return the virq, or null if Xen defines none with that number (5, 14, 15, 24 and up, negatives).
     */
    public static Virq ofNumber(final int number)
    {
        return number >= 0 && number < COUNT ? BY_NUMBER[number] : null;
    }
}
