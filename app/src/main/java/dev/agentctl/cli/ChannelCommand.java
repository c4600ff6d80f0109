package dev.agentctl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.Channels;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.InstanceEditor;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FleetLock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
        name = "channel",
        description = "An instance's chat channels (Telegram, Slack, ...): enable one with its secrets, disable it,"
                + " list them.",
        subcommands = {ChannelCommand.Enable.class, ChannelCommand.Disable.class, ChannelCommand.ListChannels.class},
        footer = {
            "",
            "Secrets go to the instance's .env; config.json refers to them as $${VAR}.",
            "One token serves one instance: a token another instance uses is refused.",
            "A channel also needs its libraries in the runtime: list it in fleet.yaml",
            "runtime.channels, then agentctl runtime build.",
            "",
            "Examples:",
            "  agentctl channel enable alice telegram --env TELEGRAM_TOKEN",
            "  agentctl channel enable bob slack --env SLACK_BOT_TOKEN --env SLACK_APP_TOKEN",
            "  agentctl channel disable alice telegram",
            "  agentctl channel list"
        })
final class ChannelCommand extends BaseCommand {
    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return 0;
    }

    /** A warning when the runtime is not set to carry the channel's libraries. */
    static void warnLibraries(BaseCommand cmd, Fleet fleet, String channel) {
        Channels.Channel c = Channels.require(channel);
        if (!c.requirements().isEmpty() && !fleet.config().runtime().channels().contains(c.name())) {
            cmd.err()
                    .println("agentctl: warning: the runtime does not carry " + c.name() + "'s libraries, so the agent"
                            + " cannot start the channel: add " + c.name()
                            + " to runtime.channels in fleet.yaml, then run"
                            + " agentctl runtime build");
        }
    }

    @Command(
            name = "enable",
            description = "Enable a channel of an instance, with its secrets; 'agentctl up' applies it.",
            footer = {"", "Examples:", "  agentctl channel enable alice telegram --env TELEGRAM_TOKEN"})
    static final class Enable extends BaseCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", paramLabel = "CHANNEL")
        String channel;

        @Mixin
        EnvOptions env;

        @Override
        public Integer call() {
            Fleet fleet = fleet();
            Instance i;
            try (FleetLock lock = lock(fleet)) {
                i = new InstanceEditor(fleet).channel(name, channel, true, env.values(globals().env));
            }
            Channels.Channel c = Channels.require(channel);
            out().println("Enabled " + c.name() + " for " + i.name()
                    + (c.secrets().isEmpty()
                            ? ""
                            : " ("
                                    + String.join(
                                            ", ",
                                            c.secrets().stream()
                                                    .map(c::variable)
                                                    .toList()) + " in its .env)")
                    + ". Apply it with: agentctl up " + i.name());
            warnLibraries(this, fleet, c.name());
            return 0;
        }

        @Override
        List<Integer> codes() {
            return codes(AgentctlException.LOCKED);
        }
    }

    @Command(
            name = "disable",
            description = "Disable a channel of an instance (its settings stay); 'agentctl up' applies it.",
            footer = {"", "Examples:", "  agentctl channel disable alice telegram"})
    static final class Disable extends BaseCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", paramLabel = "CHANNEL")
        String channel;

        @Override
        public Integer call() {
            Fleet fleet = fleet();
            Instance i;
            try (FleetLock lock = lock(fleet)) {
                i = new InstanceEditor(fleet).channel(name, channel, false, Map.of());
            }
            out().println("Disabled " + Channels.require(channel).name() + " for " + i.name()
                    + ". Apply it with: agentctl up " + i.name());
            return 0;
        }

        @Override
        List<Integer> codes() {
            return codes(AgentctlException.LOCKED);
        }
    }

    @Command(
            name = "list",
            description = "The channels of each instance: enabled or not, whether their secrets are set, whether the"
                    + " runtime carries their libraries.",
            footer = {"", "Examples:", "  agentctl channel list", "  agentctl channel list alice --json"})
    static final class ListChannels extends BaseCommand {
        @Parameters(paramLabel = "NAME", arity = "0..*", description = "Instances (default: all).")
        List<String> names = List.of();

        @Mixin
        OutputOptions output;

        record Row(String instance, String channel, boolean enabled, String secrets, boolean libraries) {}

        @Override
        public Integer call() {
            Fleet fleet = fleet();
            Selection sel =
                    Selection.of(fleet, names.stream().map(Validate::name).toList());
            List<Row> rows = new ArrayList<>();
            for (Instance i : sel.instances()) {
                JsonNode cfg = Fleet.readConfig(i.dir());
                cfg.path("channels").fields().forEachRemaining(e -> {
                    Channels.Channel c = Channels.ALL.get(e.getKey());
                    if (c == null) {
                        return;
                    }
                    boolean enabled = e.getValue().path("enabled").asBoolean(false);
                    Map<String, String> values = Channels.secrets(cfg, i.env());
                    long set = c.secrets().stream()
                            .filter(f ->
                                    !values.getOrDefault(c.name() + "." + f, "").isEmpty())
                            .count();
                    boolean complete = c.anyOf() ? set > 0 : set == c.secrets().size();
                    String secrets = !enabled || c.secrets().isEmpty() ? "-" : complete ? "set" : "MISSING";
                    rows.add(new Row(
                            i.name(),
                            c.name(),
                            enabled,
                            secrets,
                            c.requirements().isEmpty()
                                    || fleet.config().runtime().channels().contains(c.name())));
                });
            }
            output.print(out(), rows, r -> r.instance() + " " + r.channel(), r -> r, list -> {
                if (list.isEmpty()) {
                    out().println(
                                    "No channels. Enable one: agentctl channel enable NAME telegram --env TELEGRAM_TOKEN");
                    return;
                }
                Table t = new Table("INSTANCE", "CHANNEL", "ENABLED", "SECRETS", "LIBRARIES");
                list.forEach(r -> t.row(
                        r.instance(),
                        r.channel(),
                        r.enabled() ? "yes" : "no",
                        r.secrets(),
                        r.libraries() ? "in runtime" : "MISSING (runtime.channels)"));
                t.print(out());
            });
            return sel.reportUnreadable(err()) ? AgentctlException.FAILED : 0;
        }
    }
}
