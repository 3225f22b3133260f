package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.OsFamily;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Remove user at-jobs and cron-jobs. */
public final class CronSpool extends BaseOperation {

    public CronSpool() {
        super("cron-spool", true, "Remove user at-jobs and cron-jobs",
                "Removes the users' crontabs and queued at jobs: every regular file below /var/spool/cron "
                        + "and /var/spool/at (directories kept), the files in /var/spool/atjobs and "
                        + "/var/spool/atspool; at's job counters (.SEQ) are reset to 00000 in place.");
    }

    @Override
    public List<String> paths(OsFamily family) {
        return List.of("/var/spool/cron/**", "/var/spool/cron/atjobs/.SEQ", "/var/spool/atjobs/*",
                "/var/spool/atjobs/.SEQ", "/var/spool/atspool/*", "/var/spool/at/**", "/var/spool/at/.SEQ");
    }

    @Override
    public void perform(GuestContext guest) throws IOException {
        GuestFiles files = guest.files();
        files.removeFilesUnder("/var/spool/cron", CronSpool::isSeq);
        reset(files, "/var/spool/cron/atjobs/.SEQ");
        GlobRemoval.remove(files, GlobRemoval.Mode.FILE, List.of("/var/spool/atjobs/*"));
        reset(files, "/var/spool/atjobs/.SEQ");
        GlobRemoval.remove(files, GlobRemoval.Mode.FILE, List.of("/var/spool/atspool/*"));
        files.removeFilesUnder("/var/spool/at", CronSpool::isSeq);
        reset(files, "/var/spool/at/.SEQ");
    }

    private static boolean isSeq(String path) {
        return path.endsWith("/.SEQ");
    }

    private static void reset(GuestFiles files, String seq) throws IOException {
        if (files.isRegularFile(seq)) {
            files.write(seq, "00000\n".getBytes(StandardCharsets.US_ASCII), GuestFiles.Meta.ROOT_FILE);
        }
    }
}
