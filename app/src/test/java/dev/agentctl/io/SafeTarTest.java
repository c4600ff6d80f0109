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

class SafeTarTest {

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

    @Test
    void extractsFilesFoldersAndSymlinksWithTheirModesAndTimes() throws IOException {
        byte[] archive = tar().dir("app", 0750)
                .file("app/run.sh", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0755)
                .file("app/secret.env", "K=V\n".getBytes(StandardCharsets.UTF_8), 0600)
                .dir("app/empty", 0700)
                .symlink("app/current", "run.sh")
                .bytes();

        SafeTar.Result r = SafeTar.extract(in(archive), target);

        assertThat(r.files()).isEqualTo(2);
        assertThat(r.directories()).isEqualTo(2);
        assertThat(r.symlinks()).isEqualTo(1);
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
        SafeTar.extract(in(tar().file("a.txt", "hello").gzip()), target);
        assertThat(Files.readString(target.resolve("a.txt"))).isEqualTo("hello");
    }

    @Test
    void dockerArchiveOfAVenvIsMappedByItsPrefixAndMayLinkToTheSystemPython() throws IOException {
        byte[] venv = tar().dir("venv", 0755)
                .dir("venv/bin", 0755)
                .symlink("venv/bin/python", "/usr/local/bin/python3")
                .file("venv/bin/nanobot", "#!python".getBytes(StandardCharsets.UTF_8), 0755)
                .file("venv/pyvenv.cfg", "home = /usr/local/bin\n")
                .bytes();

        // by default a link leaving the target is refused ...
        assertThatThrownBy(() -> SafeTar.extract(
                        in(venv), target, SafeTar.Options.defaults().withPrefix("venv")))
                .hasMessageContaining("venv/bin/python")
                .hasMessageContaining("outside");
        assertThat(target).doesNotExist();

        // ... a trusted copy out of our own container allows it; it is created, never followed
        SafeTar.Options trusted = SafeTar.Options.defaults()
                .withPrefix("venv")
                .withLimits(SafeTar.Limits.unbounded())
                .withOutsideSymlinksAllowed();
        SafeTar.extract(in(venv), target, trusted);
        assertThat(Files.readSymbolicLink(target.resolve("bin/python"))).isEqualTo(Path.of("/usr/local/bin/python3"));
        assertThat(Files.readString(target.resolve("pyvenv.cfg"))).startsWith("home");
        assertThat(perms(target.resolve("bin/nanobot"))).isEqualTo("rwxr-xr-x");
    }

    @Test
    void entriesOutsideThePrefixGoToTheHandlerInsteadOfTheDisk() throws IOException {
        StringBuilder seen = new StringBuilder();
        SafeTar.Options o = SafeTar.Options.defaults()
                .withPrefix("instance")
                .withOtherEntries((name, entry, data) ->
                        seen.append(name).append('=').append(new String(data.readAllBytes(), StandardCharsets.UTF_8)));
        SafeTar.extract(
                in(tar().file("instance/a", "A").file("manifest.json", "{}").bytes()), target, o);
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
                        "symlink to an absolute path",
                        tar().symlink("evil", "/etc").bytes(),
                        "outside"),
                Arguments.of(
                        "symlink climbing out",
                        tar().dir("a", 0755).symlink("a/up", "../../outside").bytes(),
                        "outside"),
                Arguments.of(
                        "symlink escaping through another symlink",
                        tar().dir("d", 0755)
                                .symlink("d/self", "..")
                                .symlink("escape", "d/self/../outside")
                                .bytes(),
                        "resolves outside"),
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

        assertThatThrownBy(() -> SafeTar.extract(
                        in(withLeadingFile),
                        target,
                        SafeTar.Options.defaults().withLimits(new SafeTar.Limits(1L << 30, 1000))))
                .isInstanceOf(SafeTar.UnsafeArchiveException.class)
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

        assertThat(target).doesNotExist();
        assertOutsideUntouched();
    }

    @Test
    void fileWrittenThroughAnEarlierSymlinkIsRefusedEvenWhenOutsideLinksAreAllowed() throws IOException {
        byte[] archive = tar().symlink("evil", outside.toString())
                .file("evil/pwned.txt", "x")
                .bytes();
        SafeTar.Options o = SafeTar.Options.defaults().withOutsideSymlinksAllowed();

        assertThatThrownBy(() -> SafeTar.extract(in(archive), target, o))
                .hasMessageContaining("evil/pwned.txt")
                .hasMessageContaining("through the symlink evil");
        assertOutsideUntouched();
        assertThat(target).doesNotExist();
    }

    @Test
    void fileReplacingAnEarlierSymlinkReplacesTheLinkNotItsTarget() throws IOException {
        byte[] archive = tar().symlink("link", outside.resolve("keep.txt").toString())
                .file("link", "new")
                .bytes();
        SafeTar.extract(in(archive), target, SafeTar.Options.defaults().withOutsideSymlinksAllowed());
        assertThat(Files.isSymbolicLink(target.resolve("link"))).isFalse();
        assertThat(Files.readString(target.resolve("link"))).isEqualTo("new");
        assertOutsideUntouched();
    }

    @Test
    void totalSizeIsBoundedByTheBytesActuallyWritten() {
        byte[] block = new byte[600];
        byte[] archive = tar().file("a", block, 0644).file("b", block, 0644).bytes();
        assertThatThrownBy(() -> SafeTar.extract(
                        in(archive), target, SafeTar.Options.defaults().withLimits(new SafeTar.Limits(1000, 100))))
                .hasMessageContaining("'b'")
                .hasMessageContaining("limit");
        assertThat(target).doesNotExist();
    }

    @Test
    void entryCountIsBounded() {
        TarMaker many = tar();
        for (int i = 0; i < 11; i++) many.file("f" + i, "x");
        assertThatThrownBy(() -> SafeTar.extract(
                        in(many.bytes()),
                        target,
                        SafeTar.Options.defaults().withLimits(new SafeTar.Limits(1 << 20, 10))))
                .hasMessageContaining("'f10'")
                .hasMessageContaining("more than 10 entries");
        assertThat(target).doesNotExist();
    }

    @Test
    void headerClaimingEightGibibytesIsRefusedBeforeWritingWithDefaultLimits() {
        assertThatThrownBy(() -> SafeTar.extract(in(TarMaker.headerClaiming("big.bin", 8L << 30, 4096)), target))
                .hasMessage(
                        "refused tar entry 'big.bin': declares 8589934592 bytes, over the remaining 4294967296-byte limit");
        assertThat(target).doesNotExist();
    }

    @Test
    void streamCutAtABlockBoundaryIsRefusedNotMistakenForAShorterArchive() {
        byte[] whole = tar().file("a.txt", "first").file("b.txt", "second").bytes();
        byte[] cut = Arrays.copyOf(whole, 1024); // header and data block of a.txt, then nothing
        assertThatThrownBy(() -> SafeTar.extract(in(cut), target))
                .hasMessageContaining("ends without its end marker after entry 'a.txt'");
        assertThat(target).doesNotExist();
    }

    @Test
    void somethingThatIsNotATarIsRefused() {
        assertThatThrownBy(() ->
                        SafeTar.extract(in("<html>502 Bad Gateway</html>".getBytes(StandardCharsets.UTF_8)), target))
                .hasMessageContaining("not a tar archive");
        assertThat(target).doesNotExist();
    }

    @Test
    void truncatedGzipIsRefusedAndLeavesNothing() {
        byte[] gz = tar().file("a.txt", "a".repeat(100_000))
                .file("b.txt", "b".repeat(100_000))
                .gzip();
        byte[] cut = Arrays.copyOf(gz, gz.length / 2);
        assertThatThrownBy(() -> SafeTar.extract(in(cut), target)).isInstanceOf(SafeTar.UnsafeArchiveException.class);
        assertThat(target).doesNotExist();
    }

    @Test
    void anExistingNonEmptyTargetIsRefusedAndLeftAlone() throws IOException {
        Files.createDirectories(target);
        Files.writeString(target.resolve("mine.txt"), "mine");
        assertThatThrownBy(() -> SafeTar.extract(in(tar().file("a", "x").bytes()), target))
                .hasMessageContaining("not empty");
        assertThat(Files.readString(target.resolve("mine.txt"))).isEqualTo("mine");
    }

    @Test
    void failureInAnExistingEmptyTargetEmptiesItButKeepsIt() throws IOException {
        Files.createDirectories(target);
        assertThatThrownBy(() -> SafeTar.extract(
                        in(tar().file("a", "x").file("/abs", "y").bytes()), target))
                .hasMessageContaining("'/abs'");
        try (Stream<Path> s = Files.list(target)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void readOnlyFoldersFromTheArchiveDoNotBlockCleanup() throws IOException {
        byte[] archive =
                tar().dir("ro", 0500).file("ro/a", "x").file("/abs", "y").bytes();
        assertThatThrownBy(() -> SafeTar.extract(in(archive), target)).hasMessageContaining("absolute");
        assertThat(target).doesNotExist();
    }

    @Test
    void namesAreNormalised() throws IOException {
        assertThat(SafeTar.normalizeName("./a//b/./c")).isEqualTo("a/b/c");
        assertThat(SafeTar.normalizeName("./")).isEmpty();
        assertThatThrownBy(() -> SafeTar.normalizeName("a/../b")).hasMessageContaining("'..'");
        assertThatThrownBy(() -> SafeTar.normalizeName("C:/x")).hasMessageContaining("drive-letter");
    }

    @Test
    void longAndNonAsciiNamesAreExtracted() throws IOException {
        String longName = "d/" + "x".repeat(150) + "/" + "y".repeat(120) + ".txt";
        String unicode = "caf\u00e9/\u65e5\u672c\u8a9e-\uD83D\uDE00.md";
        SafeTar.extract(in(tar().file(longName, "long").file(unicode, "uni").gzip()), target);
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
