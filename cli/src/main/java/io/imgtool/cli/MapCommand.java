package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.Extent;
import io.imgtool.core.Json;
import io.imgtool.qcow2.Qcow2Image;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool map}: like {@code qemu-img map --output=json}. */
@Command(name = "map", mixinStandardHelpOptions = true,
        description = {"Show where the guest's bytes live: which layer of the backing chain (depth), whether "
                + "they are data, zero or compressed, and the host offset (like qemu-img map)."})
public final class MapCommand implements Callable<Integer> {

    @Mixin
    JsonOption json;

    @Option(names = {"-f", "--format"}, description = "Image format (qcow2, raw); probed when omitted.")
    String format;

    @Parameters(paramLabel = "IMAGE")
    Path image;

    @Override
    public Integer call() throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (BlockDevice dev = Disks.open(image, format, false)) {
            if (dev instanceof Qcow2Image q) {
                for (Qcow2Image.MapEntry e : q.map(0, q.size())) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("start", e.start());
                    m.put("length", e.length());
                    m.put("depth", e.depth());
                    m.put("present", e.present());
                    m.put("zero", e.zero());
                    m.put("data", e.data());
                    m.put("compressed", e.compressed());
                    if (e.offset() >= 0) {
                        m.put("offset", e.offset());
                    }
                    rows.add(m);
                }
            } else {
                for (Extent e : dev.extents(0, dev.size())) {
                    boolean data = !e.allocation().readsAsZero();
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("start", e.offset());
                    m.put("length", e.length());
                    m.put("depth", 0);
                    m.put("present", true);
                    m.put("zero", !data);
                    m.put("data", data);
                    m.put("compressed", false);
                    m.put("offset", e.offset());
                    rows.add(m);
                }
            }
        }
        if (json.enabled()) {
            System.out.println(Json.write(rows));
        } else {
            System.out.printf("%-16s %-16s %-5s %-5s %-5s %-10s %s%n", "Offset", "Length", "Depth", "Data", "Zero",
                    "Compressed", "Host offset");
            for (Map<String, Object> m : rows) {
                System.out.printf("0x%-14x 0x%-14x %-5s %-5s %-5s %-10s %s%n", m.get("start"), m.get("length"),
                        m.get("depth"), m.get("data"), m.get("zero"), m.get("compressed"),
                        m.containsKey("offset") ? String.format("0x%x", (Long) m.get("offset")) : "-");
            }
        }
        return ExitCodes.OK;
    }
}
