package dev.agentctl.fleet;

import dev.agentctl.AgentctlException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Checks of user input; each failure is a one-line error naming the value (exit 2). */
public final class Validate {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    private static final Pattern SIZE =
            Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(i?b?)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern ENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}");
    public static final Set<String> RESERVED =
            Set.of("all", "runtime", "backups", "trash", "default", "none", "fleet", "list", "verify", "prune");

    private Validate() {}

    public static String name(String name) {
        if (name == null || !NAME.matcher(name).matches() || name.endsWith("-")) {
            throw AgentctlException.badInput("invalid instance name '" + name + "': use 1-32 lowercase letters, digits"
                    + " and '-', starting with a letter and not ending with '-'");
        }
        if (RESERVED.contains(name)) {
            throw AgentctlException.badInput("instance name '" + name + "' is reserved; choose another");
        }
        return name;
    }

    public static String fleetName(String name, String where) {
        if (name == null || !NAME.matcher(name).matches() || name.endsWith("-")) {
            throw AgentctlException.badInput(where + ": invalid fleet name '" + name
                    + "': use 1-32 lowercase letters, digits and '-', starting with a letter");
        }
        return name;
    }

    /** An IPv4 range a.b.c.d/N with N from {@code min} to {@code max} and no bits set past N. */
    public static boolean isCidr(String text, int min, int max) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 0 || !IPV4.matcher(text.substring(0, slash)).matches()) {
            return false;
        }
        int bits;
        try {
            bits = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            return false;
        }
        if (bits < min || bits > max) {
            return false;
        }
        long address = 0;
        for (String part : text.substring(0, slash).split("\\.")) {
            address = address << 8 | Integer.parseInt(part);
        }
        return (address & ((1L << (32 - bits)) - 1)) == 0;
    }

    public static int port(String text) {
        try {
            int p = Integer.parseInt(text.trim());
            if (p >= 1024 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException | NullPointerException ignored) {
            // reported below
        }
        throw AgentctlException.badInput("invalid port '" + text + "': use a number from 1024 to 65535");
    }

    /** Docker-style sizes: 512m, 1g, 1.5GiB, 1048576 (bytes). At least 6 MiB, as Docker requires; at most 1 PiB. */
    public static long memory(String text) {
        Matcher m = text == null ? null : SIZE.matcher(text.trim());
        if (m != null && m.matches()) {
            double n = Double.parseDouble(m.group(1));
            long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "k" -> 1L << 10;
                case "m" -> 1L << 20;
                case "g" -> 1L << 30;
                case "t" -> 1L << 40;
                default -> 1L;
            };
            double bytes = n * unit;
            if (bytes > (double) (1L << 50)) {
                throw AgentctlException.badInput("memory '" + text + "' is too large: no host has that much");
            }
            if (bytes >= 6L << 20) {
                return (long) bytes;
            }
            throw AgentctlException.badInput("memory '" + text + "' is too small: Docker needs at least 6m");
        }
        throw AgentctlException.badInput(
                "invalid memory size '" + text + "': use a number with k, m or g, like 512m or 1g");
    }

    /** A size given to {@code option} (1024, 512m, 300g, 2t), at least 1 byte, at most 1 PiB. */
    public static long size(String option, String text) {
        Matcher m = text == null ? null : SIZE.matcher(text.trim());
        if (m != null && m.matches()) {
            double bytes = Double.parseDouble(m.group(1))
                    * switch (m.group(2).toLowerCase(Locale.ROOT)) {
                        case "k" -> 1L << 10;
                        case "m" -> 1L << 20;
                        case "g" -> 1L << 30;
                        case "t" -> 1L << 40;
                        default -> 1L;
                    };
            if (bytes >= 1 && bytes <= (double) (1L << 50)) {
                return (long) bytes;
            }
        }
        throw AgentctlException.badInput(
                "invalid " + option + " '" + text + "': use a size like 300g or 2t (at most 1 PiB)");
    }

    /** An http(s) URL for a provider's apiBase ("localhost" there is the container itself, so it is refused). */
    public static String apiBase(String text) {
        String t = text == null ? "" : text.strip();
        java.net.URI u;
        try {
            u = new java.net.URI(t);
        } catch (java.net.URISyntaxException e) {
            u = null;
        }
        if (u == null || !List.of("http", "https").contains(String.valueOf(u.getScheme())) || u.getHost() == null) {
            throw AgentctlException.badInput(
                    "invalid --api-base '" + text + "': use a URL like http://10.0.0.5:11434/v1");
        }
        if (u.getHost().equals("localhost") || u.getHost().startsWith("127.")) {
            throw AgentctlException.badInput("invalid --api-base '" + text + "': " + u.getHost()
                    + " inside the container" + " is the container itself; use an address the container can reach");
        }
        return t;
    }

    /** A whole number of at least 1 given to {@code option}. */
    public static long count(String option, String text) {
        try {
            long n = Long.parseLong(text.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException | NullPointerException ignored) {
            // reported below
        }
        throw AgentctlException.badInput("invalid " + option + " '" + text + "': use a whole number of 1 or more");
    }

    /** A number of CPUs as shown back to the user: 2 rather than 2.0. */
    public static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    public static double cpus(String text) {
        try {
            double c = Double.parseDouble(text.trim());
            if (c > 0 && c <= 1024) {
                return c;
            }
        } catch (NumberFormatException | NullPointerException ignored) {
            // reported below
        }
        throw AgentctlException.badInput("invalid cpus '" + text + "': use a positive number like 0.5 or 2");
    }

    public static int pids(String text) {
        try {
            int p = Integer.parseInt(text.trim());
            if (p >= 16 && p <= 1_000_000) {
                return p;
            }
        } catch (NumberFormatException | NullPointerException ignored) {
            // reported below
        }
        throw AgentctlException.badInput("invalid pids limit '" + text + "': use a number from 16 to 1000000");
    }

    /** An IP address to publish ports on (no host names: they would resolve differently over time). */
    public static String bind(String text) {
        if (text != null && (IPV4.matcher(text).matches() || text.matches("[0-9a-fA-F:]+") && text.contains(":"))) {
            return text;
        }
        throw AgentctlException.badInput(
                "invalid bind address '" + text + "': use an IP address like 127.0.0.1 or 0.0.0.0");
    }

    public static String model(String text) {
        if (text != null && MODEL.matcher(text).matches()) {
            return text;
        }
        throw AgentctlException.badInput("invalid model '" + text + "': use letters, digits and . _ : / @ + -");
    }

    public static String provider(String text) {
        return Providers.check(text);
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    /** A duration given for an option, refused naming the option: "invalid --timeout '-5': ...". */
    public static java.time.Duration duration(String option, String text) {
        try {
            return duration(text);
        } catch (AgentctlException e) {
            throw AgentctlException.badInput(
                    "invalid " + option + " '" + text + "': use a number with ms, s, m, h or d, like 90s or 1h30m");
        }
    }

    /** Durations like 90s, 2m, 1h30m, 7d, 500ms; a bare number is seconds (as docker's -t). */
    public static java.time.Duration duration(String text) {
        if (text != null && text.trim().matches("\\d{1,9}")) {
            return java.time.Duration.ofSeconds(Long.parseLong(text.trim()));
        }
        if (text != null && !text.isBlank()) {
            Matcher m = DURATION.matcher(text.trim());
            java.time.Duration d = java.time.Duration.ZERO;
            int end = 0;
            while (m.find() && m.start() == end && m.group(1).length() <= 9) {
                long n = Long.parseLong(m.group(1));
                d = d.plus(
                        switch (m.group(2)) {
                            case "ms" -> java.time.Duration.ofMillis(n);
                            case "s" -> java.time.Duration.ofSeconds(n);
                            case "m" -> java.time.Duration.ofMinutes(n);
                            case "h" -> java.time.Duration.ofHours(n);
                            default -> java.time.Duration.ofDays(n);
                        });
                end = m.end();
            }
            if (end == text.trim().length() && end > 0) {
                return d;
            }
        }
        throw AgentctlException.badInput(
                "invalid duration '" + text + "': use a number with ms, s, m, h or d, like 90s or 1h30m");
    }

    /** KEY=VALUE for an instance's .env. */
    public static String[] envPair(String text) {
        int eq = text == null ? -1 : text.indexOf('=');
        if (eq > 0
                && ENV_KEY.matcher(text.substring(0, eq)).matches()
                && text.chars().noneMatch(Character::isISOControl)) {
            return new String[] {text.substring(0, eq), text.substring(eq + 1)};
        }
        throw AgentctlException.badInput("invalid --env '" + mask(text) + "': use KEY=VALUE with KEY made of letters,"
                + " digits and '_', and no control characters (the value is not shown: it may be a secret)");
    }

    /** An --env argument as it may be shown: the key only (a value, or other text without '=', may be a secret). */
    private static String mask(String text) {
        if (text == null) {
            return "null";
        }
        int eq = text.indexOf('=');
        if (eq < 0) {
            return ENV_KEY.matcher(text).matches()
                    ? text
                    : "***"; // a bare KEY is shown; anything else may be a pasted secret
        }
        return text.substring(0, eq).replaceAll("\\p{Cntrl}", "?") + "=***";
    }

    /** The environment variable holding a provider's API key, e.g. openai -> OPENAI_API_KEY. */
    public static String apiKeyVar(String provider) {
        return Providers.keyVariable(provider);
    }
}
