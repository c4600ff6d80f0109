package dev.agentctl.cli;

import dev.agentctl.engine.Engine;
import dev.agentctl.fleet.Fleet;

/** A command that needs the Docker engine: it is connected (or exit 3) before {@link #run} is called. */
abstract class EngineCommand extends BaseCommand {
    @Override
    public final Integer call() throws Exception {
        Fleet fleet = fleet();
        try (Engine engine = Engine.connect()) {
            return run(fleet, engine);
        }
    }

    protected abstract int run(Fleet fleet, Engine engine) throws Exception;
}
