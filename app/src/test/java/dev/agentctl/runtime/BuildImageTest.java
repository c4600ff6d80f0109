package dev.agentctl.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetConfig;
import dev.agentctl.spec.RuntimeRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each runtime build has an image tag of its own; a build without one (or no build yet) falls back to runtime.image. */
class BuildImageTest {
    static final FleetConfig CONFIG = FleetConfig.parse("f.yaml", "name: lab\n");

    @Test
    void theRepositoryIsTheImageWithoutItsTag() {
        assertThat(RuntimeBuilder.repository("lab-runtime:latest")).isEqualTo("lab-runtime");
        assertThat(RuntimeBuilder.repository("lab-runtime")).isEqualTo("lab-runtime");
        assertThat(RuntimeBuilder.repository("localhost:5000/team/lab-runtime:v2"))
                .isEqualTo("localhost:5000/team/lab-runtime");
        assertThat(RuntimeBuilder.repository("localhost:5000/lab-runtime")).isEqualTo("localhost:5000/lab-runtime");
    }

    @Test
    void theSpecUsesTheImageRecordedInTheBuildElseRuntimeImage(@TempDir Path dir) throws IOException {
        Fleet fleet = new Fleet(dir, CONFIG);
        Path build = Files.createDirectory(dir.resolve("venv-20261123T070818Z-3619e1f9"));
        assertThat(RuntimeRef.of(fleet, dir.resolve("current")).image()).isEqualTo("lab-runtime:latest");
        Files.writeString(build.resolve(RuntimeRef.BUILD_JSON), "{\"id\": \"20261123T070818Z-3619e1f9\"}");
        assertThat(RuntimeRef.of(fleet, build).image()).isEqualTo("lab-runtime:latest");
        Files.writeString(
                build.resolve(RuntimeRef.BUILD_JSON),
                "{\"id\": \"20261123T070818Z-3619e1f9\", \"image\": \"lab-runtime:20261123T070818Z-3619e1f9\"}");
        assertThat(RuntimeRef.of(fleet, build).image()).isEqualTo("lab-runtime:20261123T070818Z-3619e1f9");
    }
}
