package dev.agentctl.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;

/** What the tests expect agentctl to see on this host: which ports something already listens on. */
public final class HostPorts {
    private HostPorts() {}

    public static boolean busy(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // as agentctl's own probe: a port in TIME_WAIT is free
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** The first port from {@code from} that is neither in {@code taken} nor listened on by the host. */
    public static int firstFree(int from, Set<Integer> taken) {
        for (int p = from; p <= 65535; p++) {
            if (!taken.contains(p) && !busy(p)) {
                return p;
            }
        }
        throw new IllegalStateException("no free port from " + from);
    }
}
