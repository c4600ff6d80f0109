package dev.agentctl.fleet;

import dev.agentctl.AgentctlException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;

/** Port choice: instances never share a port, and a port something on the host listens on is not used. */
public final class Ports {
    private Ports() {}

    /** True when a listener holds {@code port} on {@code bind} (or on all addresses). */
    public static boolean listening(String bind, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(bind), port));
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** Refuses a port another instance has (naming it) or that is in use on the host. */
    public static void check(int port, String bind, Map<Integer, String> taken, String self) {
        String owner = taken.get(port);
        if (owner != null && !owner.equals(self)) {
            throw AgentctlException.badInput("port " + port + " is already used by instance '" + owner + "'");
        }
        if (owner == null && listening(bind, port)) {
            throw AgentctlException.badInput("port " + port + " is already in use on this host (something listens on "
                    + bind + ":" + port + "); pick another or omit the port");
        }
    }

    public static int firstFree(FleetConfig.PortRange range, String bind, Map<Integer, String> taken) {
        for (int p = range.from(); p <= range.to(); p++) {
            if (!taken.containsKey(p) && !listening(bind, p)) {
                return p;
            }
        }
        throw AgentctlException.badInput("no free port left in the fleet's range " + range.from() + "-" + range.to()
                + "; widen ports in fleet.yaml or give a port");
    }
}
