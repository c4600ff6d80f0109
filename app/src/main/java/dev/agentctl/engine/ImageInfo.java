package dev.agentctl.engine;

public record ImageInfo(String id, long size, String created) {}
