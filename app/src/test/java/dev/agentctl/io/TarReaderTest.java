package dev.agentctl.io;

import static dev.agentctl.io.TarMaker.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The one reader of untrusted archives, writing through the extractor: what it accepts, refuses and leaves. */
class TarReaderTest {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path tmp;

    Path target;
    Path outside;

    @BeforeEach
    void setUp() throws IOException {
        target = tmp.resolve("target");
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "untouched");
    }

    private static InputStream in(byte[] b) {
        return new ByteArrayInputStream(b);
    }

    static final TarReader.Budget PLENTY = new TarReader.Budget(4L << 30, 100_000);

    private static TarReader.Result extract(byte[] archive, Path target) throws IOException {
        return Extractor.extract(in(archive), target, null, null, new TarReader.Budget(4L << 30, 100_000));
    }

    private static TarReader.Result extract(byte[] archive, Path target, String prefix, TarReader.Budget budget)
            throws IOException {
        return Extractor.extract(in(archive), target, prefix, null, budget);
    }

    @Test
    void extractsFilesFoldersAndSymlinksWithTheirModesAndTimes() throws IOException {
        byte[] archive = tar().dir("app", 0750)
                .file("app/run.sh", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0755)
                .file("app/secret.env", "K=V\n".getBytes(StandardCharsets.UTF_8), 0600)
                .dir("app/empty", 0700)
                .symlink("app/current", "run.sh")
                .bytes();

        TarReader.Result r = extract(archive, target);

        assertThat(r.entries().values().stream().filter(e -> e.kind() == TarReader.Kind.FILE))
                .hasSize(2);
        assertThat(r.entries().values().stream().filter(e -> e.kind() == TarReader.Kind.DIR))
                .hasSize(2);
        assertThat(r.entries().values().stream().filter(e -> e.kind() == TarReader.Kind.SYMLINK))
                .hasSize(1);
        assertThat(r.entries().get("app/secret.env").sha256()).isEqualTo(Hashing.sha256Hex("K=V\n"));
        assertThat(Files.readString(target.resolve("app/run.sh"))).isEqualTo("#!/bin/sh\n");
        assertThat(perms(target.resolve("app/run.sh"))).isEqualTo("rwxr-xr-x");
        assertThat(perms(target.resolve("app/secret.env"))).isEqualTo("rw-------");
        assertThat(perms(target.resolve("app"))).isEqualTo("rwxr-x---");
        assertThat(Files.isDirectory(target.resolve("app/empty"))).isTrue();
        assertThat(Files.isSymbolicLink(target.resolve("app/current"))).isTrue();
        assertThat(Files.readSymbolicLink(target.resolve("app/current"))).isEqualTo(Path.of("run.sh"));
        FileTime want = FileTime.fromMillis(1_700_000_000_000L);
        assertThat(Files.getLastModifiedTime(target.resolve("app/run.sh"))).isEqualTo(want);
        // a folder's time is set after its content was written, so it survives
        assertThat(Files.getLastModifiedTime(target.resolve("app"))).isEqualTo(want);
        assertThat(Files.getLastModifiedTime(target.resolve("app/current"), NOFOLLOW))
                .isEqualTo(want);
    }

    @Test
    void gzipStreamsAreRecognisedByTheirFirstBytes() throws IOException {
        extract(tar().file("a.txt", "hello").gzip(), target);
        assertThat(Files.readString(target.resolve("a.txt"))).isEqualTo("hello");
    }

    @Test
    void zstdStreamsToo() throws IOException {
        java.io.ByteArrayOutputStream z = new java.io.ByteArrayOutputStream();
        try (var out = Compression.ZSTD.compress(z, 2)) {
            out.write(tar().file("a.txt", "hello zstd").bytes());
        }
        extract(z.toByteArray(), target);
        assertThat(Files.readString(target.resolve("a.txt"))).isEqualTo("hello zstd");
    }

    @Test
    void aVenvIsMappedByItsPrefixAndItsLinksToTheSystemPythonAreMadeNeverFollowed() throws IOException {
        byte[] venv = tar().dir("venv", 0755)
                .dir("venv/bin", 0755)
                .symlink("venv/bin/python", "/usr/local/bin/python3")
                .file("venv/bin/nanobot", "#!python".getBytes(StandardCharsets.UTF_8), 0755)
                .file("venv/pyvenv.cfg", "home = /usr/local/bin\n")
                .bytes();

        // the runtime builder reads its own builder's venv with no budget at all: that must not overflow
        extract(venv, target, "venv", new TarReader.Budget(Long.MAX_VALUE, Long.MAX_VALUE));
        assertThat(Files.readSymbolicLink(target.resolve("bin/python"))).isEqualTo(Path.of("/usr/local/bin/python3"));
        assertThat(Files.readString(target.resolve("pyvenv.cfg"))).startsWith("home");
        assertThat(perms(target.resolve("bin/nanobot"))).isEqualTo("rwxr-xr-x");
    }

    @Test
    void entriesOutsideThePrefixGoToTheHandlerInsteadOfTheDisk() throws IOException {
        StringBuilder seen = new StringBuilder();
        Extractor.extract(
                in(tar().file("instance/a", "A").file("manifest.json", "{}").bytes()),
                target,
                "instance",
                (name, entry, data) ->
                        seen.append(name).append('=').append(new String(data.readAllBytes(), StandardCharsets.UTF_8)),
                PLENTY);
        assertThat(seen).hasToString("manifest.json={}");
        try (Stream<Path> s = Files.list(target)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("a");
        }
    }

    static Stream<Arguments> hostileArchives() {
        return Stream.of(
                Arguments.of("absolute path", tar().file("/tmp/evil.txt", "x").bytes(), "absolute path"),
                Arguments.of(
                        "dot-dot escape",
                        tar().file("ok/../../outside/evil.txt", "x").bytes(),
                        "'..'"),
                Arguments.of(
                        "a file through a symlink of the same archive",
                        tar().symlink("evil", "/tmp")
                                .file("evil/pwned.txt", "x")
                                .bytes(),
                        "'evil': already exists"),
                Arguments.of(
                        "a folder where a file is",
                        tar().file("a", "x").dir("a/b", 0755).bytes(),
                        "non-folder a"),
                Arguments.of(
                        "the same name twice",
                        tar().file("a", "x").file("a", "y").bytes(),
                        "a second entry of the same name"),
                Arguments.of(
                        "hard link", tar().file("a", "x").hardlink("b", "a").bytes(), "hard links"),
                Arguments.of("character device", tar().charDevice("dev/null").bytes(), "device"),
                Arguments.of("block device", tar().blockDevice("dev/sda").bytes(), "device"),
                Arguments.of("FIFO", tar().fifo("pipe").bytes(), "FIFO"),
                Arguments.of(
                        "header claiming 8 GiB",
                        TarMaker.headerClaiming("big.bin", 8L << 30, 2048),
                        "declares 8589934592 bytes"));
    }

    @ParameterizedTest(name = "{0} is refused and leaves nothing")
    @MethodSource("hostileArchives")
    void hostileArchiveIsRefusedAndLeavesNothingBehind(String what, byte[] archive, String reason) throws IOException {
        // a harmless file first: the refusal must also remove what was already extracted
        byte[] withLeadingFile = concatTar(tar().file("first.txt", "fine").bytes(), archive);

        assertThatThrownBy(() -> extract(withLeadingFile, target, null, new TarReader.Budget(1L << 30, 1000)))
                .isInstanceOf(TarReader.UnsafeArchiveException.class)
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

        assertThat(target).doesNotExist();
        assertOutsideUntouched();
    }

    @Test
    void linksAreMadeLastSoNoWriteGoesThroughOneWhereverTheyPoint() throws IOException {
        byte[] archive = tar().symlink("evil", outside.toString())
                .file("evil2/pwned.txt", "x")
                .symlink("up", "../../outside/keep.txt")
                .symlink("abs", "/etc/shadow")
                .bytes();
        extract(archive, target);
        assertThat(Files.readSymbolicLink(target.resolve("evil"))).isEqualTo(outside);
        assertThat(Files.readSymbolicLink(target.resolve("abs"))).isEqualTo(Path.of("/etc/shadow"));
        assertThat(Files.readString(target.resolve("evil2/pwned.txt"))).isEqualTo("x");
        assertOutsideUntouched();
    }

    @Test
    void totalSizeIsBoundedByTheBytesActuallyWritten() {
        byte[] block = new byte[600];
        byte[] archive = tar().file("a", block, 0644).file("b", block, 0644).bytes();
        assertThatThrownBy(() -> extract(archive, target, null, new TarReader.Budget(1000, 100)))
                .hasMessageContaining("'b'")
                .hasMessageContaining("budget");
        assertThat(target).doesNotExist();
    }

    @Test
    void entryCountIsBounded() {
        TarMaker many = tar();
        for (int i = 0; i < 11; i++) many.file("f" + i, "x");
        assertThatThrownBy(() -> extract(many.bytes(), target, null, new TarReader.Budget(1 << 20, 10)))
                .hasMessageContaining("'f10'")
                .hasMessageContaining("more than 10 entries");
        assertThat(target).doesNotExist();
    }

    @Test
    void headerClaimingEightGibibytesIsRefusedBeforeWritingWithDefaultLimits() {
        assertThatThrownBy(() -> extract(TarMaker.headerClaiming("big.bin", 8L << 30, 4096), target))
                .hasMessage(
                        "refused tar entry 'big.bin': declares 8589934592 bytes, over the remaining 4294967296-byte budget");
        assertThat(target).doesNotExist();
    }

    @Test
    void streamCutAtABlockBoundaryIsRefusedNotMistakenForAShorterArchive() {
        byte[] whole = tar().file("a.txt", "first").file("b.txt", "second").bytes();
        byte[] cut = Arrays.copyOf(whole, 1024); // header and data block of a.txt, then nothing
        assertThatThrownBy(() -> extract(cut, target))
                .hasMessageContaining("ends without its end marker after entry 'a.txt'");
        assertThat(target).doesNotExist();
    }

    @Test
    void somethingThatIsNotATarIsRefused() {
        assertThatThrownBy(() -> extract("<html>502 Bad Gateway</html>".getBytes(StandardCharsets.UTF_8), target))
                .hasMessageContaining("not a tar archive");
        assertThat(target).doesNotExist();
    }

    @Test
    void truncatedGzipIsRefusedAndLeavesNothing() {
        byte[] gz = tar().file("a.txt", "a".repeat(100_000))
                .file("b.txt", "b".repeat(100_000))
                .gzip();
        byte[] cut = Arrays.copyOf(gz, gz.length / 2);
        assertThatThrownBy(() -> extract(cut, target)).isInstanceOf(TarReader.UnsafeArchiveException.class);
        assertThat(target).doesNotExist();
    }

    @Test
    void anExistingNonEmptyTargetIsRefusedAndLeftAlone() throws IOException {
        Files.createDirectories(target);
        Files.writeString(target.resolve("mine.txt"), "mine");
        assertThatThrownBy(() -> extract(tar().file("a", "x").bytes(), target)).hasMessageContaining("not empty");
        assertThat(Files.readString(target.resolve("mine.txt"))).isEqualTo("mine");
    }

    @Test
    void failureInAnExistingEmptyTargetEmptiesItButKeepsIt() throws IOException {
        Files.createDirectories(target);
        assertThatThrownBy(() -> extract(tar().file("a", "x").file("/abs", "y").bytes(), target))
                .hasMessageContaining("'/abs'");
        try (Stream<Path> s = Files.list(target)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void readOnlyFoldersFromTheArchiveDoNotBlockCleanup() throws IOException {
        byte[] archive =
                tar().dir("ro", 0500).file("ro/a", "x").file("/abs", "y").bytes();
        assertThatThrownBy(() -> extract(archive, target)).hasMessageContaining("absolute");
        assertThat(target).doesNotExist();
    }

    @Test
    void namesAreNormalised() throws IOException {
        assertThat(TarReader.normalizeName("./a//b/./c")).isEqualTo("a/b/c");
        assertThat(TarReader.normalizeName("./")).isEmpty();
        assertThatThrownBy(() -> TarReader.normalizeName("a/../b")).hasMessageContaining("'..'");
        assertThatThrownBy(() -> TarReader.normalizeName("/etc/x")).hasMessageContaining("absolute");
        assertThat(TarReader.normalizeName("back\\slash"))
                .as("a Linux name like any other")
                .isEqualTo("back\\slash");
    }

    @Test
    void longAndNonAsciiNamesAreExtracted() throws IOException {
        String longName = "d/" + "x".repeat(150) + "/" + "y".repeat(120) + ".txt";
        String unicode = "caf\u00e9/\u65e5\u672c\u8a9e-\uD83D\uDE00.md";
        extract(tar().file(longName, "long").file(unicode, "uni").gzip(), target);
        assertThat(Files.readString(target.resolve(longName))).isEqualTo("long");
        assertThat(Files.readString(target.resolve(unicode))).isEqualTo("uni");
    }

    private void assertOutsideUntouched() throws IOException {
        try (Stream<Path> s = Files.list(outside)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).isEqualTo(List.of("keep.txt"));
        }
        assertThat(Files.readString(outside.resolve("keep.txt"))).isEqualTo("untouched");
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).isSubsetOf("outside", "target");
        }
    }

    private static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, NOFOLLOW));
    }

    /** Two tar streams as one: the first without its end-of-archive blocks. */
    private static byte[] concatTar(byte[] first, byte[] second) {
        int end = first.length;
        // strip trailing zero blocks (end marker and record padding) of the first archive
        while (end >= 512 && isZero(first, end - 512, end)) end -= 512;
        byte[] out = new byte[end + second.length];
        System.arraycopy(first, 0, out, 0, end);
        System.arraycopy(second, 0, out, end, second.length);
        return out;
    }

    private static boolean isZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) if (b[i] != 0) return false;
        return true;
    }
}
