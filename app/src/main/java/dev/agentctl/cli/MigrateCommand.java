package dev.agentctl.cli;

import dev.agentctl.compose.ComposeFiles;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Migrator;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "migrate",
        description = "Import a single-instance nanobot folder (~/.nanobot) as a fleet instance.",
        footer = {
            "",
            "Literal API keys and channel tokens move from config.json into the instance's .env,",
            "and config.json refers to them as $${VAR}.",
            "",
            "Examples:",
            "  agentctl migrate alice",
            "  agentctl migrate --from /srv/old/.nanobot bob 18801",
            "  agentctl migrate --from /srv/old/.nanobot --workspace /srv/old/ws carol"
        })
final class MigrateCommand extends BaseCommand {
    @Option(names = "--from", paramLabel = "DIR", description = "The nanobot folder (default: ~/.nanobot).")
    Path from;

    @Option(
            names = "--workspace",
            paramLabel = "DIR",
            description = "The old workspace, when it is not inside the nanobot folder.")
    Path workspace;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PORT")
    String port;

    @Override
    public Integer call() {
        Fleet fleet = fleet();
        Path src = from != null ? from : Migrator.home().resolve(".nanobot");
        Migrator.Migrated m;
        boolean inVolumes = fleet.config().defaults().storage() == dev.agentctl.fleet.Storage.VOLUME;
        try (var lock = lock(fleet);
                var engine = inVolumes ? dev.agentctl.engine.Engines.connect() : null) {
            m = new Migrator(fleet, engine == null ? null : new dev.agentctl.ops.InstanceVolumes(fleet, engine))
                    .migrate(src.toAbsolutePath(), workspace, name, port, i -> ComposeFiles.override(fleet, i));
            ComposeFiles.write(fleet);
        }
        out().println("Imported " + src + " as " + m.instance().name() + " on port "
                + m.instance().port() + ".");
        if (m.workspaceFrom() != null) {
            out().println("  workspace: copied from " + m.workspaceFrom());
        }
        if (m.notCopied() != null) {
            err().println("agentctl: warning: " + m.notCopied());
        }
        m.skipped().forEach(p -> err().println("agentctl: warning: skipped " + p + " (not a file, folder or link)"));
        m.movedSecrets()
                .forEach((path, var) -> out().println("  moved the secret at " + path + " to " + var + " in "
                        + m.instance().envFile() + " (config.json now says ${" + var + "})"));
        out().println("  provider: " + m.instance().provider()
                + (m.providerFound() != null
                        ? " (the one the old config uses)"
                        : " (the fleet's default: the old config names none nanobot would pick; change it with agentctl"
                                + " set " + m.instance().name() + " --provider NAME)"));
        if (!m.needValues().isEmpty()) {
            out().println("  config.json refers to " + String.join(", ", m.needValues()) + ", which need values:");
            out().println("    agentctl set " + m.instance().name() + " --env "
                    + String.join(" --env ", m.needValues()));
        }
        if (!m.movedSecrets().isEmpty()) {
            err().println("agentctl: warning: " + src + " still holds those keys and tokens in plain text: delete or"
                    + " move it once the instance works");
        }
        err().println("agentctl: warning: stop the old nanobot before starting this one: two gateways on one bot"
                + " token both fail (Telegram answers 409 Conflict)");
        out().println("  start it:  agentctl up " + m.instance().name());
        return 0;
    }

    @Override
    java.util.List<Integer> codes() {
        return codes(dev.agentctl.AgentctlException.ENGINE_UNREACHABLE, dev.agentctl.AgentctlException.LOCKED);
    }
}
