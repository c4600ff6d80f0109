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
}
