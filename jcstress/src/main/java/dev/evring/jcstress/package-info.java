/**
 * jcstress tests of the memory-ordering claims of {@link dev.evring.ring.PortRing}, run against the real
 * ring code: the store-store fence of {@code offer} ({@code smp_wmb}), the load-load fence of {@code read}
 * ({@code smp_rmb}), the copy-then-publish order of {@code resize}, the Dekker pair of the doorbell
 * sleep protocol ({@code smp_mb} on both sides), and the mark of {@link dev.evring.ring.LocalDoorbell}
 * that no ring between a reader's look and its sleep escapes. Build with {@code mvn package}, run with
 * {@code jcstress/run.sh}.
 */
package dev.evring.jcstress;
