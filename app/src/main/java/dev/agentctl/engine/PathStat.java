package dev.agentctl.engine;

/**
 * A path in a container as the archive endpoint's stat says: a folder, a link (and to what), or else a file, with its
 * permission bits and modification time.
 */
public record PathStat(String name, long size, int mode, String mtime, boolean dir, boolean link, String linkTarget) {}
