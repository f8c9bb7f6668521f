package io.hatchway.registry;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made at test time with BouncyCastle: CAs, intermediates and device certificates, EC P-256, valid
 * around {@link #NOW} unless told otherwise.
 */
final class TestCertificates {

    /** The instant the tests' clocks are fixed at; X.509 dates have whole seconds. */
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    private static final Duration DAY = Duration.ofDays(1);
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private TestCertificates() {
    }

    /** A certificate with its key pair, to issue further certificates. */
    record Issued(X509Certificate certificate, KeyPair keys) {

        String pem() {
            try {
                return "-----BEGIN CERTIFICATE-----\n"
                        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded())
                        + "\n-----END CERTIFICATE-----\n";
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A {@code trustAnchors} entry in YAML flow style, the PEM in a double-quoted string. */
        String anchor() {
            return "{ certificate: \"" + pem().replace("\n", "\\n") + "\" }";
        }
    }

    static Issued root(String subject) {
        KeyPair keys = keyPair();
        return new Issued(build(subject, keys, new X500Principal(subject), keys, NOW.minus(DAY),
                NOW.plus(DAY.multipliedBy(3650)), true, null), keys);
    }

    static Issued intermediate(Issued issuer, String subject) {
        return intermediate(issuer, subject, NOW.minus(DAY), NOW.plus(DAY.multipliedBy(365)));
    }

    static Issued intermediate(Issued issuer, String subject, Instant notBefore, Instant notAfter) {
        KeyPair keys = keyPair();
        return new Issued(build(subject, keys, issuer.certificate().getSubjectX500Principal(),
                issuer.keys(), notBefore, notAfter, true, null), keys);
    }

    static Issued leaf(Issued issuer, String subject) {
        return leaf(issuer, subject, NOW.minus(DAY), NOW.plus(DAY.multipliedBy(365)));
    }

    static Issued leaf(Issued issuer, String subject, Instant notBefore, Instant notAfter) {
        return leaf(issuer, subject, notBefore, notAfter, null);
    }

    /** A device certificate with an extended key usage extension listing {@code usage}. */
    static Issued leaf(Issued issuer, String subject, KeyPurposeId usage) {
        return leaf(issuer, subject, NOW.minus(DAY), NOW.plus(DAY.multipliedBy(365)), usage);
    }

    /** A self-signed certificate that is not a CA. */
    static Issued selfSigned(String subject) {
        KeyPair keys = keyPair();
        return new Issued(build(subject, keys, new X500Principal(subject), keys, NOW.minus(DAY),
                NOW.plus(DAY.multipliedBy(365)), false, null), keys);
    }

    private static Issued leaf(Issued issuer, String subject, Instant notBefore, Instant notAfter,
                               KeyPurposeId usage) {
        KeyPair keys = keyPair();
        return new Issued(build(subject, keys, issuer.certificate().getSubjectX500Principal(),
                issuer.keys(), notBefore, notAfter, false, usage), keys);
    }

    private static X509Certificate build(String subject, KeyPair subjectKeys, X500Principal issuer,
                                         KeyPair issuerKeys,
                                         Instant notBefore, Instant notAfter, boolean ca, KeyPurposeId usage) {
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notBefore), Date.from(notAfter),
                    new X500Principal(subject), subjectKeys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca
                    ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                    : KeyUsage.digitalSignature));
            if (usage != null) {
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(usage));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
        } catch (CertIOException | OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
