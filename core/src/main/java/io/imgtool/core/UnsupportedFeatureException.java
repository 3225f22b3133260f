package io.imgtool.core;

/** The input uses a feature imgtool does not implement; {@link #feature()} names it. */
public class UnsupportedFeatureException extends ImageException {

    private static final long serialVersionUID = 1L;

    private final String feature;

    /**
     * @param structure where the feature is declared ("qcow2 header", "ext4 superblock")
     * @param feature the feature's name, preferably as the image itself or its spec spells it
     * @param reason what imgtool cannot do with it
     */
    public UnsupportedFeatureException(String structure, String feature, String reason) {
        super(Kind.UNSUPPORTED, structure, null, -1, null,
                "unsupported feature '" + feature + "'" + (reason == null ? "" : ": " + reason), null);
        this.feature = feature;
    }

    public String feature() {
        return feature;
    }
}
