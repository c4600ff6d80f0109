package dev.agentctl.fleet;

/** Where an instance's folders appear inside its container, and whose they are there. */
public final class Layout {
    public static final String HOME = "/home/nanobot";
    public static final String CONFIG_DIR = HOME + "/.nanobot";
    public static final String WORKSPACE_DIR = HOME + "/workspace";
    public static final String CONFIG_FILE = CONFIG_DIR + "/config.json";
    public static final String HEALTH_SCRIPT = "/usr/local/bin/agent-health";
    /** The image's user; it owns config/ and workspace/ on the host when agentctl runs as root. */
    public static final int CONTAINER_UID = 1000;

    private Layout() {}

    /** Sessions in {@code <workspace>/sessions/} (nanobot 0.3.0 and before). */
    public static final String SESSIONS_IN_WORKSPACE = "workspace";

    /** Sessions in {@code <config-dir>/sessions/<workspace id>/} (nanobot after 0.3.0). */
    public static final String SESSIONS_IN_CONFIG = "config";

    /** Where a nanobot version keeps its sessions ("" when the version is unknown). */
    public static String sessionLayout(String agentVersion) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)\\.(\\d+)")
                .matcher(agentVersion == null ? "" : agentVersion);
        if (!m.find()) {
            return "";
        }
        int[] v = {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
        boolean after030 = v[0] > 0 || v[1] > 3 || (v[1] == 3 && v[2] > 0);
        return after030 ? SESSIONS_IN_CONFIG : SESSIONS_IN_WORKSPACE;
    }
}
