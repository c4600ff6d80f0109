package dev.agentctl.engine;

import dev.agentctl.spec.ContainerSpec;
import java.util.List;

/**
 * A throwaway container without a network: {@code entrypoint} null for the image's, {@code user} null for the
 * image's.
 */
public record OneOff(
        String image, List<String> entrypoint, List<String> command, List<ContainerSpec.Mount> mounts, String user) {}
