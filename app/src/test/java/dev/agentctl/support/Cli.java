package dev.agentctl.support;

import dev.agentctl.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs agentctl in-process through {@link Main#execute}, capturing what it prints. */
public final class Cli {
    private Cli() {}

    /** Exit code and captured output of one run. */
    public record Result(int code, String out, String err) {
        /** Non-empty lines printed on stderr. */
        public List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
        }
    }

    /** {@code agentctl ARGS...}, exactly as given. */
    public static Result raw(String... args) {
        return withEnv(Map.of(), args);
    }

    /** {@code agentctl ARGS...} with {@code env} as its whole environment (AGENTCTL_ROOT, NO_COLOR, secrets...). */
    public static Result withEnv(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true), env);
        return new Result(code, out.toString(), err.toString());
    }

    /** {@code agentctl COMMAND --root ROOT ARGS...}. */
    public static Result at(Path root, String command, String... args) {
        List<String> all = new ArrayList<>();
        all.add(command);
        all.add("--root");
        all.add(root.toString());
        all.addAll(List.of(args));
        return raw(all.toArray(String[]::new));
    }
}
