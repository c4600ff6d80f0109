package dev.agentctl.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.fleet.FleetConfig;
import dev.agentctl.spec.SpecBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each runtime build has an image tag of its own; a build without one (or no build yet) falls back to runtime.image. */
class BuildImageTest {
    static final FleetConfig.Runtime RT =
            FleetConfig.parse("f.yaml", "name: lab\n").runtime();

    @Test
    void theRepositoryIsTheImageWithoutItsTag() {
        assertThat(RuntimeManager.repository("lab-runtime:latest")).isEqualTo("lab-runtime");
        assertThat(RuntimeManager.repository("lab-runtime")).isEqualTo("lab-runtime");
        assertThat(RuntimeManager.repository("localhost:5000/team/lab-runtime:v2"))
                .isEqualTo("localhost:5000/team/lab-runtime");
        assertThat(RuntimeManager.repository("localhost:5000/lab-runtime")).isEqualTo("localhost:5000/lab-runtime");
    }

    @Test
    void theSpecUsesTheImageRecordedInTheBuildElseRuntimeImage(@TempDir Path dir) throws IOException {
        Path build = Files.createDirectory(dir.resolve("venv-20261123T070818Z-3619e1f9"));
        assertThat(SpecBuilder.image(RT, dir.resolve("current"))).isEqualTo("lab-runtime:latest");
        Files.writeString(build.resolve(RuntimeManager.BUILD_JSON), "{\"id\": \"20261123T070818Z-3619e1f9\"}");
        assertThat(SpecBuilder.image(RT, build)).isEqualTo("lab-runtime:latest");
        Files.writeString(
                build.resolve(RuntimeManager.BUILD_JSON),
                "{\"id\": \"20261123T070818Z-3619e1f9\", \"image\": \"lab-runtime:20261123T070818Z-3619e1f9\"}");
        assertThat(SpecBuilder.image(RT, build)).isEqualTo("lab-runtime:20261123T070818Z-3619e1f9");
    }
}
