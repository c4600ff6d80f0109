package dev.agentctl.cli;

import dev.agentctl.io.AtomicFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code agentctl __cds-train}: what the launcher runs once per jar, recording the classes the everyday commands
 * load into a class-data-sharing archive that later runs map. It runs them on a scratch fleet of its own (create,
 * list, show, config, compose, status), then removes it; status asks the engine about that fleet only, and does
 * without one.
 */
@Command(name = "__cds-train", hidden = true, description = "Record the start-up classes (for bin/agentctl).")
final class CdsTrainCommand extends BaseCommand {
    @Override
    public Integer call() throws IOException {
        Path root = Files.createTempDirectory("agentctl-cds-");
        PrintWriter none = new PrintWriter(Writer.nullWriter());
        try {
            String r = root.toString();
            for (List<String> line : List.of(
                    List.of("init", r, "--name", "cds-train"),
                    List.of("create", "a", "--root", r, "--env", "OPENAI_API_KEY=sk-none"),
                    List.of("list", "--root", r),
                    List.of("list", "--json", "--root", r),
                    List.of("show", "a", "--root", r),
                    List.of("config", "a", "--root", r),
                    List.of("compose", "--root", r),
                    List.of("status", "--root", r))) {
                Main.execute(line.toArray(String[]::new), none, none, globals().env);
            }
        } finally {
            AtomicFiles.deleteTree(root);
        }
        return 0;
    }
}
