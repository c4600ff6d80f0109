package dev.agentctl.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentctl.AgentctlException;
import org.junit.jupiter.api.Test;

/** Which paths cp and files may reach: the two data folders, by either name, and nothing else. */
class FileTransferTest {
    @Test
    void dataPathsMapToTheContainersDataFolders() {
        assertThat(FileTransfer.dataPath("workspace")).isEqualTo("/home/nanobot/workspace");
        assertThat(FileTransfer.dataPath("workspace/memory/MEMORY.md"))
                .isEqualTo("/home/nanobot/workspace/memory/MEMORY.md");
        assertThat(FileTransfer.dataPath("config/logs/")).isEqualTo("/home/nanobot/.nanobot/logs");
        assertThat(FileTransfer.dataPath("/home/nanobot/.nanobot/./x")).isEqualTo("/home/nanobot/.nanobot/x");
        assertThat(FileTransfer.dataPath("/home/nanobot/workspace//a")).isEqualTo("/home/nanobot/workspace/a");
    }

    @Test
    void everythingElseIsRefusedNamingThePath() {
        for (String bad : new String[] {
            "", "/etc/passwd", "/home/nanobot", "/home/nanobot/workspace2/x", "workspace/../config.json",
            "workspace/a/../../..", "/opt/venv/bin/python", "relative/x", "workspace/a\nb", "../x"
        }) {
            assertThatThrownBy(() -> FileTransfer.dataPath(bad))
                    .as(bad)
                    .isInstanceOf(AgentctlException.class)
                    .hasMessageContaining("'" + bad.replace("\n", "?") + "'");
        }
    }
}
