package io.imgtool.cli;

import io.imgtool.core.Json;
import io.imgtool.ext4.Ext4Info;
import io.imgtool.ext4.Ext4Problem;
import io.imgtool.ext4.Ext4Volume;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code imgtool fs-info IMAGE}: the superblock summary, like {@code dumpe2fs -h}. */
@Command(name = "fs-info", mixinStandardHelpOptions = true,
        description = "Describe the ext2/3/4 filesystem in IMAGE (superblock summary, like dumpe2fs -h).")
public final class FsInfoCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "A filesystem image.")
    Path image;

    @Mixin
    FsImageArgs fsArgs;

    @Mixin
    JsonOption json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        try (Ext4Volume vol = fsArgs.open(image)) {
            Ext4Info info = vol.info();
            List<Ext4Problem> problems = vol.problems();
            if (json.enabled()) {
                Map<String, Object> m = info.toMap();
                m.put("problems", problems.stream().map(Ext4Problem::toString).toList());
                out.println(Json.write(m));
            } else {
                out.print(info.toText());
                for (Ext4Problem p : problems) {
                    out.println("Problem:                  " + p);
                }
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
