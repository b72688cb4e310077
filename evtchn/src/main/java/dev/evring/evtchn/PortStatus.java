package dev.evring.evtchn;

/**
 * A snapshot of one port in a hub's port table, for tools and tests.
 *
 * @param port        the port number.
 * @param kind        what the port is connected to.
 * @param domain      the domain the port lives in (-1 when free).
 * @param remoteDomain for {@link PortKind#UNBOUND}, the domain allowed to connect; for
 *                    {@link PortKind#INTERDOMAIN}, the peer's domain; else -1.
 * @param remotePort  for {@link PortKind#INTERDOMAIN}, the peer's port; else 0.
 * @param virq        for {@link PortKind#VIRQ}, the virq; else null.
 * @param holderDomid the domid of the handle that holds the port, or -1 if no handle holds it.
 * @param staticBinding whether the holder bound it with {@code bindStatic} (unbinding keeps the port).
 * @param enabled     whether a fire is delivered at once (false after delivery until unmasked).
 * @param pending     whether a fire is waiting for the port to be unmasked or bound.
 */
public record PortStatus(
    int port,
    PortKind kind,
    int domain,
    int remoteDomain,
    int remotePort,
    Virq virq,
    int holderDomid,
    boolean staticBinding,
    boolean enabled,
    boolean pending)
{
}
