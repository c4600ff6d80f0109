package dev.agentctl.ops;

import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.InstanceEditor;
import dev.agentctl.fleet.Ports;
import dev.agentctl.fleet.Trash;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** {@code trash restore}: an instance comes back from the trash, on a free port if its own was taken meanwhile. */
public final class TrashService {
    public record Restored(Path from, int port, boolean portChanged) {}

    private final Fleet fleet;

    public TrashService(Fleet fleet) {
        this.fleet = fleet;
    }

    public Restored restore(String name) {
        Trash.Entry e = new Trash(fleet).restore(name);
        Instance back = fleet.load(name);
        Map<Integer, String> taken = new HashMap<>(fleet.portsInUse());
        taken.values().removeIf(name::equals);
        String bind = back.effectiveBind(fleet.config());
        if (!taken.containsKey(back.port()) && !Ports.listening(bind, back.port())) {
            return new Restored(e.path(), back.port(), false);
        }
        int port = Ports.firstFree(fleet.config().ports(), bind, taken);
        new InstanceEditor(fleet).update(name, InstanceEditor.Change.port(port));
        return new Restored(e.path(), port, true);
    }
}
