package io.imgtool.cli;

import io.imgtool.publish.VirtBuilderIndexEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool index-entry}: a virt-builder index entry for an xz template. */
@Command(name = "index-entry", mixinStandardHelpOptions = true,
        description = {"Print the virt-builder index entry of an xz-compressed template.",
                "",
                "Fields: file, format, size, compressed_size, checksum[sha512], revision, arch, expand, "
                        + "notes. Append it to a repository's index, then clearsign that (imgtool sign "
                        + "--clearsign index)."})
public final class IndexEntryCommand implements Callable<Integer> {

    @Parameters(paramLabel = "IMAGE.xz", description = "The template, in the index's directory.")
    Path xz;

    @Option(names = "--os-version", required = true, description = "The entry's name: virt-builder OS-VERSION.")
    String osVersion;

    @Option(names = "--name", description = "Display name.")
    String name;

    @Option(names = "--osinfo", description = "libosinfo ID (e.g. debian12).")
    String osinfo;

    @Option(names = "--arch", defaultValue = "x86_64", description = "Guest architecture (default: ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--format", defaultValue = "raw", description = "Format inside the xz: raw or qcow2 (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--revision", defaultValue = "1", description = "Template revision (default: ${DEFAULT-VALUE}).")
    int revision;

    @Option(names = "--expand", paramLabel = "/dev/sdaN", description = "Partition virt-resize grows.")
    String expand;

    @Option(names = "--notes", description = "Notes (may span lines).")
    String notes;

    @Option(names = "--alias", description = "Another name for the template; repeatable.")
    List<String> aliases = new ArrayList<>();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        VirtBuilderIndexEntry e = VirtBuilderIndexEntry.forXzImage(xz).osVersion(osVersion).name(name).osinfo(osinfo)
                .arch(arch).format(format).revision(revision).expand(expand).notes(notes).aliases(aliases).build();
        spec.commandLine().getOut().print(e.text());
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
