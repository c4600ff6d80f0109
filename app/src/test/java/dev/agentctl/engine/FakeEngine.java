package dev.agentctl.engine;

import dev.agentctl.spec.ContainerSpec;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * An in-memory engine for unit tests above the engine layer: containers with states, health that follows a script
 * per instance and a clock the tests move, failures injected per call, and a log of every call made. Not a Docker:
 * nothing runs; it is as strict as the real one where agentctl relies on it (names are unique, a missing container
 * is NOT_FOUND, pausing a stopped container is refused).
 */
public final class FakeEngine implements ContainerEngine {
    /** How an instance's container behaves once started. */
    public enum Behaviour {
        /** healthy {@link #healthyAfter} after it starts */
        HEALTHY,
        /** runs, never healthy */
        UNHEALTHY,
        /** exits with code 1 at once */
        CRASHES
    }

    public final FakeClock clock = new FakeClock();
    public Duration healthyAfter = Duration.ofSeconds(3);
    /** What every container logs when it (re)starts; its log since then (the fake keeps only the last run's). */
    public List<String> startLog = List.of();

    private final Map<String, Behaviour> behaviour = new ConcurrentHashMap<>();
    private final Map<String, Box> boxes = new ConcurrentHashMap<>();
    private final Set<String> images = ConcurrentHashMap.newKeySet();
    private final Map<String, NetworkSpec> networks = new ConcurrentHashMap<>();
    private final Map<String, RuntimeException> failures = new ConcurrentHashMap<>();
    public final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    public final AtomicInteger maxInFlight = new AtomicInteger();
    /** Each start takes this long (real time), so that parallel starts overlap. */
    public Duration startDelay = Duration.ZERO;

    public boolean reachable = true;

    /** A container as the fake keeps it. */
    public static final class Box {
        public String id;
        public String name;
        public String image;
        public String instance;
        public Map<String, String> labels;
        public Map<String, String> env;
        public ContainerState state = ContainerState.CREATED;
        public Instant startedAt;
        public int restarts;
        public Integer exitCode;
        public List<ContainerInfo.Published> ports = List.of();
        public long memory;
        public boolean hasHealthcheck = true;
        public String network;
        public List<String> log = new ArrayList<>();
    }

    public FakeEngine withImage(String image) {
        images.add(image);
        return this;
    }

    public void behave(String instance, Behaviour b) {
        behaviour.put(instance, b);
    }

    /** The next call of {@code op} ("create", "start", ...) on {@code target} (a name, an id or "*") fails. */
    public void failNext(String op, String target, RuntimeException e) {
        failures.put(op + " " + target, e);
    }

    public Map<String, Box> boxes() {
        return boxes;
    }

    public Optional<Box> byName(String name) {
        return boxes.values().stream().filter(b -> b.name.equals(name)).findFirst();
    }

    /** Adds a container as someone else made it (or agentctl did earlier), with these labels. */
    public Box add(String name, Map<String, String> labels, ContainerState state) {
        Box b = new Box();
        b.id = String.format("%064x", ids.incrementAndGet());
        b.name = name;
        b.image = "some/image";
        b.labels = new LinkedHashMap<>(labels);
        b.instance = labels.getOrDefault(ContainerSpec.LABEL_INSTANCE, "");
        b.env = Map.of();
        b.state = state;
        b.startedAt = state == ContainerState.RUNNING ? clock.instant() : null;
        boxes.put(b.id, b);
        return b;
    }

    private void check(String op, String target) {
        if (!reachable) {
            throw new EngineException(EngineException.Kind.UNREACHABLE, "cannot reach the Docker engine (fake)");
        }
        calls.add(op + " " + target);
        RuntimeException e = failures.remove(op + " " + target);
        if (e == null) {
            e = failures.remove(op + " *");
        }
        if (e != null) {
            throw e;
        }
    }

    private Box box(String nameOrId) {
        Box b = boxes.get(nameOrId);
        if (b == null) {
            b = byName(nameOrId).orElse(null);
        }
        if (b == null) {
            throw new EngineException(EngineException.Kind.NOT_FOUND, "no such container: " + nameOrId);
        }
        return b;
    }

    private String nameOf(String nameOrId) {
        Box b = boxes.get(nameOrId);
        return b != null ? b.name : nameOrId;
    }

    @Override
    public EngineInfo info() {
        check("info", "");
        return new EngineInfo("fake://", "26.1.5", "1.45", "Fake OS", 2, 8L << 30, "/var/lib/docker");
    }

    @Override
    public Optional<ImageInfo> image(String ref) {
        check("image", ref);
        return images.contains(ref)
                ? Optional.of(new ImageInfo("sha256:" + ref.hashCode(), 1 << 20, ""))
                : Optional.empty();
    }

    @Override
    public String buildImage(
            InputStream context, String tag, Map<String, String> args, boolean noCache, Consumer<String> output) {
        check("build", tag);
        images.add(tag);
        return "sha256:" + tag.hashCode();
    }

    @Override
    public void tagImage(String image, String repository, String tag) {
        check("tag", image);
        images.add(repository + ":" + tag);
    }

    @Override
    public void untagImage(String ref) {
        check("untag", ref);
        images.remove(ref);
    }

    @Override
    public void ensureNetworks(List<NetworkSpec> specs, java.util.function.BiConsumer<String, RuntimeException> done) {
        for (NetworkSpec network : specs) {
            try {
                check("network", network.name());
                networks.putIfAbsent(network.name(), network);
                done.accept(network.name(), null);
            } catch (EngineException e) {
                if (e.kind() == EngineException.Kind.UNREACHABLE) {
                    throw e;
                }
                done.accept(network.name(), e);
            }
        }
    }

    @Override
    public Optional<NetworkInfo> network(String name) {
        NetworkSpec n = networks.get(name);
        return n == null
                ? Optional.empty()
                : Optional.of(new NetworkInfo(name, name, n.internal(), n.labels(), List.of()));
    }

    @Override
    public List<NetworkInfo> networks(Map<String, String> labels) {
        return networks.values().stream()
                .filter(n -> n.labels().entrySet().containsAll(labels.entrySet()))
                .map(n -> new NetworkInfo(n.name(), n.name(), n.internal(), n.labels(), List.of()))
                .toList();
    }

    /** The networks made, as asked for. */
    public Map<String, NetworkSpec> madeNetworks() {
        return Map.copyOf(networks);
    }

    @Override
    public void removeNetwork(String name) {
        check("rmnetwork", name);
        networks.remove(name);
    }

    /** Volumes made: name to labels. */
    public final Map<String, Map<String, String>> volumes = new ConcurrentHashMap<>();

    @Override
    public void createVolume(String name, Map<String, String> labels) {
        check("mkvolume", name);
        volumes.putIfAbsent(name, Map.copyOf(labels));
    }

    @Override
    public List<String> volumes(Map<String, String> labels) {
        return volumes.entrySet().stream()
                .filter(v -> v.getValue().entrySet().containsAll(labels.entrySet()))
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
    }

    @Override
    public void removeVolume(String name) {
        check("rmvolume", name);
        volumes.remove(name);
    }

    @Override
    public List<ContainerInfo> containers(Map<String, String> labels) {
        check("list", labels.toString());
        List<ContainerInfo> out = new ArrayList<>();
        for (Box b : boxes.values()) {
            if (b.labels.entrySet().containsAll(labels.entrySet())) {
                out.add(info(b));
            }
        }
        return out;
    }

    @Override
    public Optional<ContainerInfo> inspect(String nameOrId) {
        check("inspect", nameOrId);
        try {
            return Optional.of(info(box(nameOrId)));
        } catch (EngineException e) {
            return Optional.empty();
        }
    }

    private synchronized ContainerInfo info(Box b) {
        Behaviour how = behaviour.getOrDefault(b.instance, Behaviour.HEALTHY);
        if (b.state == ContainerState.RUNNING && how == Behaviour.CRASHES) {
            b.state = ContainerState.EXITED;
            b.exitCode = 1;
        }
        Health h = Health.NONE;
        if (b.hasHealthcheck && b.state == ContainerState.RUNNING) {
            Duration up = Duration.between(b.startedAt, clock.instant());
            h = how == Behaviour.UNHEALTHY
                    ? (up.compareTo(healthyAfter) >= 0 ? Health.UNHEALTHY : Health.STARTING)
                    : up.compareTo(healthyAfter) >= 0 ? Health.HEALTHY : Health.STARTING;
        } else if (b.hasHealthcheck && b.state == ContainerState.PAUSED) {
            h = Health.HEALTHY;
        }
        return new ContainerInfo(
                b.id,
                b.name,
                b.image,
                b.state,
                h,
                b.startedAt,
                null,
                b.restarts,
                b.exitCode,
                false,
                Map.copyOf(b.labels),
                h == Health.UNHEALTHY ? "unhealthy: fake probe (exit 1)" : "",
                b.ports,
                b.memory,
                0);
    }

    @Override
    public String create(ContainerSpec spec, Map<String, String> secrets) {
        check("create", spec.containerName());
        synchronized (this) {
            if (byName(spec.containerName()).isPresent()) {
                throw new EngineException(
                        EngineException.Kind.CONFLICT,
                        "creating " + spec.containerName() + ": the container name is already in use");
            }
            if (!images.contains(spec.image())) {
                throw new EngineException(EngineException.Kind.NOT_FOUND, "no such image: " + spec.image());
            }
            Box b = add(spec.containerName(), spec.engineLabels(), ContainerState.CREATED);
            b.image = spec.image();
            b.env = Map.copyOf(secrets);
            b.ports = spec.ports().stream()
                    .map(p -> new ContainerInfo.Published(p.hostIp(), p.hostPort(), p.containerPort()))
                    .toList();
            b.memory = spec.memoryBytes();
            b.network = spec.network();
            return b.id;
        }
    }

    @Override
    public void start(String id) {
        check("start", nameOf(id));
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
            if (!startDelay.isZero()) {
                Thread.sleep(startDelay.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.decrementAndGet();
        }
        synchronized (this) {
            Box b = box(id);
            if (b.state != ContainerState.RUNNING) {
                b.state = ContainerState.RUNNING;
                b.startedAt = clock.instant();
                b.exitCode = null;
                b.log = new ArrayList<>(startLog);
            }
        }
    }

    @Override
    public synchronized void stop(String id, Duration timeout) {
        check("stop", nameOf(id));
        Box b = box(id);
        if (b.state == ContainerState.PAUSED) {
            throw new EngineException(EngineException.Kind.CONFLICT, "cannot stop a paused container");
        }
        if (b.state == ContainerState.RUNNING) {
            b.state = ContainerState.EXITED;
            b.exitCode = 0;
        }
    }

    @Override
    public synchronized void restart(String id, Duration timeout) {
        check("restart", nameOf(id));
        Box b = box(id);
        b.state = ContainerState.RUNNING;
        b.startedAt = clock.instant();
        b.restarts++;
        b.log = new ArrayList<>(startLog);
    }

    @Override
    public synchronized void pause(String id) {
        check("pause", nameOf(id));
        Box b = box(id);
        if (b.state != ContainerState.RUNNING) {
            throw new EngineException(EngineException.Kind.CONFLICT, "container " + b.name + " is not running");
        }
        onPause.run(); // what the agent did just before it was frozen
        b.state = ContainerState.PAUSED;
    }

    /** What a container of runToEnd prints and exits with ({@link #TIMED_OUT}: it outlives its timeout). */
    public String runOutput = "";

    public int runExit = 0;

    /** The specs runToEnd was given. */
    public final List<ContainerSpec> runs = Collections.synchronizedList(new ArrayList<>());

    @Override
    public int runToEnd(
            ContainerSpec spec,
            Map<String, String> secrets,
            java.io.OutputStream stdout,
            java.io.OutputStream stderr,
            Duration timeout) {
        check("run", spec.containerName());
        runs.add(spec);
        try {
            stdout.write(runOutput.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return runExit;
    }

    /** Runs at each pause, before the container is paused. */
    public Runnable onPause = () -> {};

    @Override
    public synchronized void unpause(String id) {
        check("unpause", nameOf(id));
        Box b = box(id);
        if (b.state != ContainerState.PAUSED) {
            throw new EngineException(EngineException.Kind.CONFLICT, "container " + b.name + " is not paused");
        }
        b.state = ContainerState.RUNNING;
    }

    @Override
    public synchronized void rename(String id, String newName) {
        check("rename", nameOf(id) + " " + newName);
        Box b = box(id);
        if (byName(newName).filter(x -> x != b).isPresent()) {
            throw new EngineException(EngineException.Kind.CONFLICT, "name " + newName + " is already in use");
        }
        b.name = newName;
    }

    @Override
    public synchronized void remove(String id) {
        check("remove", nameOf(id));
        Box b = boxes.get(id);
        if (b == null) {
            byName(id).ifPresent(x -> boxes.remove(x.id));
        } else {
            boxes.remove(id);
        }
    }

    @Override
    public int waitForExit(String id) {
        check("wait", nameOf(id));
        return 0;
    }

    private long statsTicks;

    /** Stats read at the real time of the call, as Docker 24.0.7 and later answer a one-shot (no tick to wait for). */
    public boolean statsAtOnce;

    @Override
    public Map<String, StatsSample> samples(Collection<String> ids) {
        check("stats", String.valueOf(ids.size()));
        // a tick a second (or the real time, as an engine that answers at once): each container used 1.5 % of one
        // core of the host's two since boot
        long tick = statsAtOnce ? System.currentTimeMillis() * 1_000_000L : ++statsTicks * 1_000_000_000L;
        Map<String, StatsSample> m = new HashMap<>();
        for (String id : ids) {
            Box b = box(id);
            if (b.state == ContainerState.RUNNING) {
                m.put(id, new StatsSample(tick, tick * 15 / 1000, tick * 2, 2, 40L << 20, b.memory));
            }
        }
        return m;
    }

    @Override
    public void logsWhile(String id, LogQuery query, java.util.function.Predicate<String> more) {
        check("logs", nameOf(id));
        List<String> log = box(id).log;
        int from = query.tail() == null ? 0 : Math.max(0, log.size() - query.tail());
        for (String l : List.copyOf(log.subList(from, log.size()))) {
            if (!more.test(l)) {
                return;
            }
        }
    }

    @Override
    public int exec(String id, ExecRequest request, OutputStream stdout, OutputStream stderr) {
        check("exec", nameOf(id));
        return 0;
    }

    @Override
    public InputStream copyOut(String id, String path) {
        check("copyout", nameOf(id));
        return new ByteArrayInputStream(new byte[1024]);
    }

    @Override
    public Optional<PathStat> stat(String id, String path) {
        check("stat", nameOf(id));
        return Optional.empty();
    }

    @Override
    public void copyIn(String id, String dir, InputStream tar) {
        check("copyin", nameOf(id));
    }

    @Override
    public RunResult runOnce(OneOff oneOff) {
        check("run", oneOff.image());
        return runOnceResult;
    }

    /** What every throwaway container of runOnce returns. */
    public RunResult runOnceResult = new RunResult(0, "");

    @Override
    public String createOneOff(OneOff oneOff) {
        check("oneoff", oneOff.image());
        return add("oneoff-" + ids.get(), Map.of(), ContainerState.CREATED).id;
    }

    @Override
    public void close() {}

    /** Calls of one kind, in order ("start nanobot-a", ...). */
    public List<String> calls(String op) {
        synchronized (calls) {
            return calls.stream().filter(c -> c.startsWith(op + " ")).toList();
        }
    }

    /** Everything done to a container of this name, but looking at it. */
    public List<String> changesTo(String name) {
        Set<String> looks = new HashSet<>(List.of("inspect", "list", "logs", "stats"));
        synchronized (calls) {
            return calls.stream()
                    .filter(c -> !looks.contains(c.substring(0, c.indexOf(' '))) && c.contains(name))
                    .toList();
        }
    }

    /** A clock the tests move; {@link #sleeper()} moves it instead of waiting. */
    public static final class FakeClock extends Clock {
        private volatile Instant now = Instant.parse("2026-12-01T10:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        public synchronized void advance(Duration d) {
            now = now.plus(d);
        }
    }

    /** A sleep that only moves the fake clock. */
    public dev.agentctl.ops.HealthWait.Sleeper sleeper() {
        return d -> clock.advance(d);
    }
}
