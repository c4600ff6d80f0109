package dev.agentctl.engine;

import java.util.List;
import java.util.Map;

public record NetworkInfo(String id, String name, boolean internal, Map<String, String> labels, List<String> subnets) {}
