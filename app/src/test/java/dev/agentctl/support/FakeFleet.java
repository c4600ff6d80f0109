package dev.agentctl.support;

import dev.agentctl.engine.Engines;
import dev.agentctl.engine.FakeEngine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.ops.FleetContainers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A fleet root on disk (as {@link FleetTestBase}) whose engine is a {@link FakeEngine}: commands run in-process get
 * the fake from {@code Engines.connect()}, and runtime builds are folders with an image the fake has.
 */
public abstract class FakeFleet extends FleetTestBase {
    protected FakeEngine engine;

    @BeforeEach
    void fakeEngine() {
        engine = new FakeEngine();
        Engines.use(() -> engine);
        runtime("A");
    }

    @AfterEach
    void realEngine() {
        Engines.use(null);
    }

    protected Fleet fleet() {
        return Fleet.open(root);
    }

    protected FleetContainers containers() {
        return new FleetContainers(fleet(), engine);
    }

    /** runtime/venv-ID with its own image (which the fake has), made current. */
    protected Path runtime(String id) {
        try {
            Path rt = Files.createDirectories(root.resolve("runtime/venv-" + id));
            String image = fleetName + "-runtime:" + id;
            Files.writeString(
                    rt.resolve("agentctl-build.json"), "{\"id\": \"" + id + "\", \"image\": \"" + image + "\"}");
            engine.withImage(image);
            Path current = root.resolve("runtime/current");
            Path previous = root.resolve("runtime/previous");
            if (Files.isSymbolicLink(current)) {
                Files.deleteIfExists(previous);
                Files.createSymbolicLink(previous, Files.readSymbolicLink(current));
                Files.delete(current);
            }
            Files.createSymbolicLink(current, Path.of("venv-" + id));
            return rt;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected String container(String instance) {
        return fleetName + "-" + instance;
    }
}
