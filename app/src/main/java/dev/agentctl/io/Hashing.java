package dev.agentctl.io;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256, the one digest agentctl uses: file checksums, archive checksums, spec hashes, source hashes. */
public final class Hashing {
    private Hashing() {}

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The digest's value in lowercase hex (this completes the digest). */
    public static String hex(MessageDigest d) {
        return HexFormat.of().formatHex(d.digest());
    }

    public static String sha256Hex(byte[] bytes) {
        MessageDigest d = sha256();
        d.update(bytes);
        return hex(d);
    }

    public static String sha256Hex(String text) {
        return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
    }
}
