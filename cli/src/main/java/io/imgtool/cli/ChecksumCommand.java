package io.imgtool.cli;

import io.imgtool.core.Json;
import io.imgtool.publish.Checksums;
import io.imgtool.publish.FileDigest;
import io.imgtool.publish.HashAlgorithm;
import io.imgtool.publish.SumsEntry;
import io.imgtool.publish.SumsFile;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool checksum}: SHA256SUMS / SHA512SUMS in the format sha256sum -c reads. */
@Command(name = "checksum", mixinStandardHelpOptions = true,
        description = {"Write SHA256SUMS or SHA512SUMS in the format sha256sum -c reads.",
                "",
                "Without -o the lines go to standard output with the names as given; with -o the names are "
                        + "relative to the output file's directory. Files are hashed in parallel."})
public final class ChecksumCommand implements Callable<Integer> {

    @Option(names = "--sha512", description = "SHA-512 instead of SHA-256.")
    boolean sha512;

    @Option(names = {"-o", "--output"}, paramLabel = "SUMSFILE", description = "Write the sums here (never overwritten).")
    Path output;

    @Option(names = {"-b", "--binary"}, description = "Mark lines binary ('*name'), as sha256sum -b.")
    boolean binary;

    @Option(names = "--threads", paramLabel = "N", description = "Files hashed at once (default: processors).")
    Integer threads;

    @Parameters(paramLabel = "FILES", arity = "1..*")
    List<Path> files;

    @Mixin
    JsonOption json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Checksums.Builder b = Checksums.builder().algorithm(sha512 ? HashAlgorithm.SHA512 : HashAlgorithm.SHA256)
                .binaryMarker(binary);
        if (threads != null) {
            b.threads(threads);
        }
        if (output != null && Files.exists(output)) {
            throw new FileAlreadyExistsException(output.toString());
        }
        for (Path f : files) {
            if (!Files.exists(f)) {
                throw new java.nio.file.NoSuchFileException(f.toString());
            }
        }
        Path base = output == null ? null : output.toAbsolutePath().getParent();
        List<FileDigest> digests = b.build().digestAll(files, base);
        List<SumsEntry> entries = new ArrayList<>();
        for (FileDigest d : digests) {
            entries.add(d.toEntry(binary));
        }
        SumsFile sums = new SumsFile(entries);
        if (output != null) {
            Files.write(output, sums.toBytes(), StandardOpenOption.CREATE_NEW);
        }
        var out = spec.commandLine().getOut();
        if (json.enabled()) {
            List<Object> list = new ArrayList<>();
            for (FileDigest d : digests) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", d.name());
                m.put("algorithm", d.algorithm().tag());
                m.put("digest", d.digest());
                m.put("size", d.size());
                list.add(m);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("output", output == null ? null : output.toString());
            m.put("files", list);
            out.println(Json.write(m));
        } else if (output == null) {
            out.print(sums.format());
        } else {
            out.println(output + ": " + entries.size() + " " + (sha512 ? "SHA-512" : "SHA-256") + " sums");
        }
        out.flush();
        return ExitCodes.OK;
    }
}
