package dev.agentctl.fleet;

import dev.agentctl.fleet.FleetConfig.Security;
import java.nio.file.Path;
import java.util.Map;

/**
 * One instance as read from disk: nanobot's own settings (port, model) from config/config.json and agentctl's
 * from instance.yaml. Null resource fields (and a null network or storage) mean "the fleet's default". {@code configDigest} is a short digest of
 * config.json as read (empty for an instance not yet on disk): the agent reads that file when it starts.
 */
public record Instance(
        String name,
        Path dir,
        int port,
        String model,
        String provider,
        String soul,
        String created,
        Double cpus,
        String memory,
        Integer pids,
        String bind,
        Security security,
        Map<String, String> env,
        String configDigest,
        String sessionsBudget,
        NetworkMode network,
        Storage storage) {

    public static final String CONFIG_JSON = "config/config.json";
    public static final String SETTINGS = "instance.yaml";
    public static final String ENV = ".env";
    public static final String OVERRIDE = "docker-compose.override.yml";
    public static final String INFO = "INSTANCE_INFO.txt";

    public Path configDir() {
        return dir.resolve("config");
    }

    public Path workspaceDir() {
        return dir.resolve("workspace");
    }

    public Instance withStorage(Storage s) {
        return new Instance(
                name,
                dir,
                port,
                model,
                provider,
                soul,
                created,
                cpus,
                memory,
                pids,
                bind,
                security,
                env,
                configDigest,
                sessionsBudget,
                network,
                s);
    }

    public Storage effectiveStorage(FleetConfig fleet) {
        return storage != null ? storage : fleet.defaults().storage();
    }

    public Path envFile() {
        return dir.resolve(ENV);
    }

    public double effectiveCpus(FleetConfig fleet) {
        return cpus != null ? cpus : fleet.defaults().resources().cpus();
    }

    public String effectiveMemory(FleetConfig fleet) {
        return memory != null ? memory : fleet.defaults().resources().memory();
    }

    public int effectivePids(FleetConfig fleet) {
        return pids != null ? pids : fleet.defaults().resources().pids();
    }

    public String effectiveBind(FleetConfig fleet) {
        return bind != null ? bind : fleet.defaults().bind();
    }

    /** The most its config/ and workspace/ may hold before maintain archives its oldest sessions; null: none. */
    public Long effectiveSessionsBudget(FleetConfig fleet) {
        return sessionsBudget != null
                ? Long.valueOf(Validate.size("sessions.budget", sessionsBudget))
                : fleet.sessions().budgetBytes();
    }

    public NetworkMode effectiveNetwork(FleetConfig fleet) {
        return network != null ? network : fleet.defaults().network();
    }

    public Security effectiveSecurity(FleetConfig fleet) {
        return security != null ? security : fleet.defaults().security();
    }
}
