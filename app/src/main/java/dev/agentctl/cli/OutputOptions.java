package dev.agentctl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.AgentctlException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * How a listing is printed, as docker's: a table (default), {@code --json} (or {@code --format json}), {@code -q}
 * (names only, one per line), or {@code --format TEMPLATE} with {@code {{.field}}} placeholders naming the JSON
 * fields ({@code '{{.name}}\t{{.port}}'}; \t and \n as in docker).
 */
final class OutputOptions {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FIELD = Pattern.compile("\\{\\{\\s*\\.([A-Za-z][A-Za-z0-9_]*)\\s*}}");

    @Option(names = "--json", description = "JSON output (stable field names, no secrets).")
    boolean json;

    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            description = "json, table, or a template of JSON fields such as '{{.name}}\\t{{.port}}'.")
    String format;

    @Option(
            names = {"-q", "--quiet"},
            description = "Only names, one per line.")
    boolean quiet;

    boolean jsonWanted() {
        return json || "json".equals(format);
    }

    /**
     * Prints {@code rows}: names for -q, JSON of {@code view} for --json, a template per row, or {@code table}. */
    <T> void print(
            PrintWriter out,
            List<T> rows,
            Function<T, String> name,
            Function<T, Object> view,
            Consumer<List<T>> table) {
        if ((json ? 1 : 0) + (quiet ? 1 : 0) + (format != null ? 1 : 0) > 1) {
            throw AgentctlException.badInput("give only one of --json, --quiet and --format");
        }
        if (quiet) {
            rows.forEach(r -> out.println(name.apply(r)));
        } else if (jsonWanted()) {
            try {
                out.println(BaseCommand.JSON.writeValueAsString(
                        rows.stream().map(view).toList()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else if (format == null || "table".equals(format)) {
            table.accept(rows);
        } else {
            for (T r : rows) {
                out.println(template(format, JSON.convertValue(view.apply(r), Map.class)));
            }
        }
    }

    /** Fills {@code {{.field}}} from a row's JSON (field names case-insensitive); an unknown field is an error. */
    static String template(String format, Map<?, ?> fields) {
        String f = format.replace("\\t", "\t").replace("\\n", "\n");
        Matcher m = FIELD.matcher(f);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String want = m.group(1);
            Object value = null;
            boolean found = false;
            for (Map.Entry<?, ?> e : fields.entrySet()) {
                if (String.valueOf(e.getKey()).toLowerCase(Locale.ROOT).equals(want.toLowerCase(Locale.ROOT))) {
                    value = e.getValue();
                    found = true;
                }
            }
            if (!found) {
                throw AgentctlException.badInput("invalid --format: no field '" + want + "' (fields: "
                        + String.join(
                                ", ",
                                fields.keySet().stream().map(String::valueOf).toList()) + ")");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value == null ? "" : String.valueOf(value)));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
