package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.support.Cli;
import dev.agentctl.support.FleetTestBase;
import org.junit.jupiter.api.Test;

class CommandNamesTest extends FleetTestBase {
    private static Class<?> only(String... args) {
        return CommandNames.only(Main.COMMANDS, args);
    }

    @Test
    void theCommandIsTheFirstWordThatIsNotAnOptionOrItsValue() {
        assertThat(only("list")).isEqualTo(ListCommand.class);
        assertThat(only("ls", "-q")).isEqualTo(ListCommand.class);
        assertThat(only("--root", "status", "list")).isEqualTo(ListCommand.class);
        assertThat(only("--wait", "30s", "--debug", "backup", "list")).isEqualTo(BackupCommand.class);
        assertThat(only("--root=/x", "status")).isEqualTo(StatusCommand.class);
    }

    @Test
    void allCommandsWhenTheLineNamesNoneOrReadsTheTree() {
        assertThat(only()).isNull();
        assertThat(only("--version")).isNull();
        assertThat(only("stauts")).isNull();
        assertThat(only("help", "list")).isNull();
        assertThat(only("completion", "bash")).isNull();
        assertThat(only("--", "list")).isNull();
    }

    @Test
    void aMistypedCommandIsStillSuggestedAndGlobalOptionsWorkAfterTheCommand() {
        Cli.Result typo = Cli.raw("stauts", "--root", root.toString());
        assertThat(typo.code()).isEqualTo(2);
        assertThat(typo.err()).contains("status");
        Cli.Result list = Cli.raw("list", "--root", root.toString());
        assertThat(list.code()).as(list.toString()).isZero();
        assertThat(list.out()).contains("No instances yet");
    }
}
