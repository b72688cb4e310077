package dev.evring.evtchn;

/**
 * What a port is connected to (Xen's channel states).
 */
public enum PortKind
{
    /** Not allocated. */
    FREE,
    /** Allocated, waiting for a named remote domain to connect ({@code ECS_UNBOUND}). */
    UNBOUND,
    /** Connected to a port of a domain ({@code ECS_INTERDOMAIN}). */
    INTERDOMAIN,
    /** Bound to a virtual interrupt ({@code ECS_VIRQ}). */
    VIRQ
}
