package dev.agentctl.engine;

import java.util.Map;

/** A network agentctl makes: a bridge, {@code internal} when it must have no way out. */
public record NetworkSpec(String name, boolean internal, Map<String, String> labels) {}
