package dev.agentctl.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** Permission bits (rwx for user, group, other) as numbers and as Java's sets. */
public final class FileModes {
    private static final PosixFilePermission[] ORDER = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };

    private FileModes() {}

    public static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < ORDER.length; i++) {
            if ((mode & (1 << i)) != 0) {
                set.add(ORDER[i]);
            }
        }
        return set;
    }

    public static int bits(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (int i = 0; i < ORDER.length; i++) {
            if (perms.contains(ORDER[i])) {
                mode |= 1 << i;
            }
        }
        return mode;
    }

    /** Sets the permission bits of a file or folder (never of a symlink: the path must not be one). */
    public static void set(Path p, int mode) throws IOException {
        try {
            Files.setPosixFilePermissions(p, permissions(mode));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to restore
        }
    }
}
