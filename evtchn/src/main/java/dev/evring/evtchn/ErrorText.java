package dev.evring.evtchn;

import dev.evring.ring.Errno;

/**
 * The message for a refused request, built from the op, the error and the arguments, so that an
 * in-process handle and a remote one (which receives only the error number) explain it the same way.
 */
final class ErrorText
{
    private ErrorText()
    {
    }

    static EvtchnException exception(final int op, final Errno errno, final int a, final int b)
    {
        return new EvtchnException(errno, message(op, errno, a, b));
    }

    static String message(final int op, final Errno errno, final int a, final int b)
    {
        switch (errno)
        {
            case EACCES:
                return op == Protocol.OP_RESTRICT
                    ? "this handle is already restricted; restrict() may be called once per handle"
                    : "this handle is restricted to one domain: it may only bind interdomain ports of that domain "
                        + "(open another handle for anything else)";
            case EINVAL:
                return invalid(op, a, b);
            case ENOTCONN:
                return "port " + a + " is not bound by this handle; bind it first (ports of other handles are "
                    + "out of reach, even those of the same domain)";
            case EISCONN:
                return "port " + a + " is already bound by this handle";
            case EEXIST:
                return "virq " + a + " is already bound in this domain; unbind its port first";
            case EBUSY:
                return op == Protocol.OP_BIND_STATIC
                    ? "port " + a + " is held by another handle of this domain"
                    : "global virq " + a + " is bound by another domain; only one domain may hold a global virq";
            case ENOSPC:
                return "the hub has no free port left; unbind ports or start the hub with a larger maxPorts";
            case ENOMEM:
                return "this handle's event ring is at the hub's ring capacity limit; bind fewer ports per handle "
                    + "or raise HubConfig.ringCapacityLimit";
            case ESRCH:
                return "domain " + a + " does not exist (no handle of it is open: it never attached, or all its handles were closed)";
            case ENOSYS:
                return "op " + op + " is not a request this hub knows; is the handle from another evring version?";
            case EFAULT:
                return "the request for op " + op + " was truncated";
            case ENODEV:
                return "the hub is gone (closed or dead); open a new handle once a hub runs again";
            case EBADF:
                return "this handle is closed";
            default:
                return errno.description() + " (op " + op + ")";
        }
    }

    private static String invalid(final int op, final int a, final int b)
    {
        switch (op)
        {
            case Protocol.OP_BIND_INTERDOMAIN:
                return "port " + b + " of domain " + a + " is not an unbound port waiting for this domain; the remote "
                    + "side must first allocate it with bindUnboundPort(<this domid>)";
            case Protocol.OP_BIND_VIRQ:
                return a + " is not a virq number (see Virq for the valid ones)";
            case Protocol.OP_BIND_STATIC:
                return "port " + a + " is not an allocated port of this domain";
            case Protocol.OP_BIND_UNBOUND_PORT:
                return "domain " + a + " is not a valid domain id (0 to 0x7FEF, or DOMID_SELF)";
            case Protocol.OP_UNBIND:
                return "port " + a + " is beyond the hub's port range";
            case Protocol.OP_RESTRICT:
                return "domain " + a + " cannot be a restriction: use a domain id from 1 to 0x7FEF";
            case Protocol.OP_NOTIFY:
                return "port " + a + " is bound to a virq: the hub raises virqs, they cannot be notified";
            default:
                return "invalid argument for op " + op;
        }
    }
}
