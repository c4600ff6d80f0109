package dev.agentctl;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** agentctl's version, from the build. */
public final class Version {
    private Version() {}

    public static String get() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("/agentctl-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // falls back below
        }
        return p.getProperty("version", "dev");
    }
}
