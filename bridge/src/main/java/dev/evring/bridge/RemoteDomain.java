package dev.evring.bridge;

/**
 * Which domain of which remote hub a local domid stands for (B1).
 *
 * @param localDomid  the domid local handles use for it.
 * @param peer        the remote hub's host name.
 * @param remoteDomid the domain's own domid on that hub.
 */
public record RemoteDomain(int localDomid, String peer, int remoteDomid)
{
    /**
     * As {@code stat} shows it.
     *
     * @return e.g. {@code "domid 2049 = b:1"}.
     */
    @Override
    public String toString()
    {
        return "domid " + localDomid + " = " + peer + ':' + remoteDomid;
    }
}
