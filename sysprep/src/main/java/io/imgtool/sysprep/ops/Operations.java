package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.Operation;
import java.util.List;

/** Every operation imgtool ships, one instance each. */
public final class Operations {

    private Operations() {
    }

    public static List<Operation> all() {
        return List.of(
                new AbrtData(), new AptLists(), new BackupFiles(), new BashHistory(), new BlkidTab(),
                new CaCertificates(), new CloudInit(), new CrashData(), new CronSpool(), new Customize(),
                new DhcpClientState(), new DhcpServerState(), new DovecotData(), new Etckeeper(), new IpaClient(),
                new KerberosHostkeytab(), new Logfiles(), new LvmSystemDevices(), new MachineId(), new MailSpool(),
                new NetHostname(), new NetHwaddr(), new NetNmconn(), new NetworkState(), new PacctLog(),
                new PackageManagerCache(), new PamData(), new PasswdBackups(), new PuppetDataLog(), new RandomSeed(),
                new RhSubscriptionManager(), new RhnSystemid(), new RpmDb(), new SambaDbLog(), new SmoltUuid(),
                new SnapdState(), new SshHostkeys(), new SshUserdir(), new SssdDbLog(), new TmpFiles(),
                new UdevPersistentNet(), new UserAccount(), new Utmp(), new YumUuid());
    }
}
