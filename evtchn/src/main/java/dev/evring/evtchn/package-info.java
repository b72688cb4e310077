/**
 * The Xen event-channel device ({@code drivers/xen/evtchn.c}) between JVM processes: an
 * {@link dev.evring.evtchn.EvtchnHub} (domain 0, the producer process, the hypervisor and the kernel driver
 * in one) and {@link dev.evring.evtchn.Evtchn} handles shaped like libxenevtchn, in the hub's process or in
 * others.
 *
 * <h2>The hub's parts</h2>
 * {@link dev.evring.evtchn.EvtchnHub} is a facade (start, close, the public API) over parts named after
 * their jobs, the way Aeron separates its driver conductor from its command adapters:
 * <ul>
 *   <li>{@code PortTable}: ports and domains, one small function per operation of {@code evtchn.c} (bind,
 *   unbind, notify, unmask, restrict, fire, deliver, close a port).</li>
 *   <li>{@code HubConductor}: the one lock, the handles and their domains, attach and release, and the
 *   handling of every request whichever way it came.</li>
 *   <li>{@code SessionAcceptor} and {@code HubSession}: the listening socket, the peer check, and one thread
 *   per connection reading control frames and writing replies and doorbells.</li>
 *   <li>{@code RequestPoller} and {@code PostedWords}: the request duty cycle over every handle's request
 *   ring, on the hub's request thread or the embedding program's
 *   ({@link dev.evring.evtchn.RequestPolling#INVOKER}), and the unmask and notify words it finds.</li>
 *   <li>{@code EventRings}: the handles' event rings, made, grown and dropped by the hub, their only
 *   writer.</li>
 *   <li>{@code TimerVirq}: {@link dev.evring.evtchn.Virq#TIMER} and the mark file's heartbeat.</li>
 *   <li>{@code DamagedHandles}: the handles whose clients broke their own files during an operation, cut
 *   off by the conductor once the operation is done.</li>
 * </ul>
 *
 * <h2>How the pieces talk</h2>
 * <ul>
 *   <li><b>Control socket</b> ({@code hub.sock}, a UNIX-domain socket, {@link dev.evring.evtchn.Protocol}):
 *   connect is open, end of stream is release. A hello names the client's pid (its domain); binds, unbind,
 *   reset and restrict are request frames, each answered by a reply frame. The hub writes doorbell and
 *   fault frames on it without ever blocking; a second connection, once it presents the handle's bell key,
 *   carries doorbells as single bytes.</li>
 *   <li><b>Event ring</b> ({@code h<id>.events}, a {@link dev.evring.ring.PortRing}): written only by the hub,
 *   read by the handle; the port a notify or virq fires lands here. A doorbell goes out only when a port
 *   lands in an empty ring whose reader sleeps.</li>
 *   <li><b>Request ring</b> ({@code h<id>.requests}, a {@link dev.evring.ring.PortRing}): written by the
 *   handle, read by the hub's duty cycle; unmask and notify cost the handle one word and no system
 *   call. A control request first applies the words posted before it.</li>
 *   <li><b>Mark file</b> ({@code hub.mark}) and <b>counters</b> ({@code counters.dat},
 *   {@link dev.evring.evtchn.HubCountersDescriptor}): the hub's pid and heartbeat, which handles watch, and
 *   live counters that any process maps.</li>
 * </ul>
 *
 * <h2>Trust</h2>
 * The hub never trusts memory a client can write: a handle's event and request rings are mapped by the
 * client too, so whatever the hub reads there is validated or kept on the hub's side, no operation on such
 * a mapping may kill the JVM, every wait on it is bounded, and a client that damages its own files loses
 * only its own handle (SEMANTICS H1 to H3, H5). Every hub thread contains a failure met while serving one
 * session and goes on serving the others.
 */
package dev.evring.evtchn;
