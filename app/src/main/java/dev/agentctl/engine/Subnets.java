package dev.agentctl.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** IPv4 ranges: the first block of a pool that overlaps no range already in use. */
public final class Subnets {
    private Subnets() {}

    /**
     * The first /{@code prefix} inside {@code pool} (a.b.c.d/N) that overlaps none of {@code used}; ranges in
     * {@code used} that are not IPv4 CIDRs (IPv6 ones) are ignored. Empty when the pool has none left.
     */
    public static Optional<String> firstFree(String pool, Collection<String> used, int prefix) {
        long[] p = range(pool);
        if (p == null) {
            throw new IllegalArgumentException("not an IPv4 range: " + pool);
        }
        List<long[]> taken = new ArrayList<>();
        for (String u : used) {
            long[] r = range(u);
            if (r != null) {
                taken.add(r);
            }
        }
        long size = 1L << (32 - prefix);
        long start = p[0];
        while (start + size - 1 <= p[1]) {
            long end = start + size - 1;
            long next = -1;
            for (long[] t : taken) {
                if (t[0] <= end && start <= t[1]) {
                    next = Math.max(next, t[1] + 1);
                }
            }
            if (next < 0) {
                return Optional.of(address(start) + "/" + prefix);
            }
            start = (next + size - 1) / size * size; // the next block after what overlaps, aligned
        }
        return Optional.empty();
    }

    /** First and last address of an IPv4 CIDR, or null when it is not one. */
    static long[] range(String cidr) {
        int slash = cidr.indexOf('/');
        String[] parts = (slash < 0 ? cidr : cidr.substring(0, slash)).split("\\.");
        if (parts.length != 4) {
            return null;
        }
        long a = 0;
        try {
            for (String part : parts) {
                int b = Integer.parseInt(part);
                if (b < 0 || b > 255) {
                    return null;
                }
                a = a << 8 | b;
            }
            int bits = slash < 0 ? 32 : Integer.parseInt(cidr.substring(slash + 1));
            if (bits < 0 || bits > 32) {
                return null;
            }
            long mask = bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
            long first = a & mask;
            return new long[] {first, first | (~mask & 0xFFFFFFFFL)};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String address(long a) {
        return (a >> 24 & 255) + "." + (a >> 16 & 255) + "." + (a >> 8 & 255) + "." + (a & 255);
    }

    /**
     * The IPv4 ranges routed on this host, from {@code /proc/net/route}'s text ("a.b.c.d/N"), the default route left
     * out: the bridges of another engine on this host (or a VPN) that a new network must not overlap.
     */
    public static List<String> routed(String procNetRoute) {
        List<String> out = new ArrayList<>();
        for (String line : procNetRoute.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 8 || !f[1].matches("[0-9A-Fa-f]{8}") || !f[7].matches("[0-9A-Fa-f]{8}")) {
                continue; // the header, or not a route
            }
            long mask = Long.reverseBytes(Long.parseLong(f[7], 16) << 32) & 0xFFFFFFFFL;
            if (mask == 0) {
                continue;
            }
            long dest = Long.reverseBytes(Long.parseLong(f[1], 16) << 32) & 0xFFFFFFFFL;
            out.add(address(dest) + "/" + Long.bitCount(mask));
        }
        return out;
    }
}
