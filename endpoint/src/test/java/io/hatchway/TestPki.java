package io.hatchway;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Objects;

/**
 * An X.509 PKI made at test time, so that no key or certificate is committed: certificate authorities (one root
 * per application, optional intermediates), a server certificate for the loopback names, and device certificates
 * with any subject and validity window (expired and not-yet-valid ones included).
 *
 * <p>All keys are EC P-256 and all signatures SHA256withECDSA, made with the JDK's own providers; BouncyCastle only
 * builds the certificates. X.509 stores times to the second, so validity bounds are truncated to the second.
 *
 * <pre>{@code
 * TestPki.CertificateAuthority appCa = TestPki.root("my-app CA");
 * TestPki.Issued device = appCa.intermediate("my-app devices").issue("CN=device1,O=Hatchway Test");
 * TestPki.Issued server = TestPki.root("Hatchway Test Server CA").serverCertificate();
 * server.writePem(dir.resolve("server.pem"), dir.resolve("server.key"));
 * }</pre>
 */
public final class TestPki {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] KEY_STORE_PASSWORD = "hatchway".toCharArray();
    private static final Duration CA_VALIDITY = Duration.ofDays(365);

    private TestPki() {
    }

    /** A self-signed root CA with subject {@code CN=<commonName>,O=Hatchway Test}, valid from yesterday for a year. */
    public static CertificateAuthority root(String commonName) {
        X500Name subject = name("CN=" + commonName + ",O=Hatchway Test");
        KeyPair keyPair = newKeyPair();
        Instant now = Instant.now();
        X509Certificate certificate = sign(subject, keyPair.getPrivate(), null, subject, keyPair.getPublic(),
                now.minus(Duration.ofDays(1)), now.plus(CA_VALIDITY), Role.CA);
        return new CertificateAuthority(certificate, keyPair.getPrivate(), List.of());
    }

    /** A certificate authority that can issue intermediate CAs, device certificates and server certificates. */
    public static final class CertificateAuthority {

        private final X509Certificate certificate;
        private final PrivateKey key;
        private final List<X509Certificate> intermediates;

        private CertificateAuthority(X509Certificate certificate, PrivateKey key, List<X509Certificate> intermediates) {
            this.certificate = certificate;
            this.key = key;
            this.intermediates = intermediates;
        }

        /** This CA's own certificate: for a root, the trust anchor to configure. */
        public X509Certificate certificate() {
            return certificate;
        }

        /** An intermediate CA signed by this one, subject {@code CN=<commonName>,O=Hatchway Test}. */
        public CertificateAuthority intermediate(String commonName) {
            X500Name subject = name("CN=" + commonName + ",O=Hatchway Test");
            KeyPair keyPair = newKeyPair();
            Instant now = Instant.now();
            X509Certificate issued = sign(nameOf(certificate), key, certificate, subject, keyPair.getPublic(),
                    now.minus(Duration.ofDays(1)), now.plus(CA_VALIDITY), Role.CA);
            return new CertificateAuthority(issued, keyPair.getPrivate(), chainBelowRoot(issued));
        }

        /** A device (TLS client) certificate valid from an hour ago until a day from now. */
        public Issued issue(String subjectDn) {
            Instant now = Instant.now();
            return issue(subjectDn, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
        }

        /**
         * A device (TLS client) certificate for {@code subjectDn} (e.g. {@code CN=device1,O=Hatchway Test}) valid
         * from {@code notBefore} to {@code notAfter}, both truncated to the second. The window is not checked
         * against this CA's, so expired and not-yet-valid certificates can be made.
         */
        public Issued issue(String subjectDn, Instant notBefore, Instant notAfter) {
            return issue(name(subjectDn), notBefore, notAfter, Role.CLIENT);
        }

        /**
         * A server certificate with subject {@code CN=localhost,O=Hatchway Test} and the subject alternative names
         * {@code localhost}, {@code 127.0.0.1} and {@code ::1}, valid from an hour ago until a day from now.
         */
        public Issued serverCertificate() {
            Instant now = Instant.now();
            return issue(name("CN=localhost,O=Hatchway Test"), now.minus(Duration.ofHours(1)),
                    now.plus(Duration.ofDays(1)), Role.SERVER);
        }

        /** Trust in this CA alone, for a client verifying servers or a server verifying devices. */
        public TrustManagerFactory trustManagerFactory() {
            return TestPki.trustManagerFactory(certificate);
        }

        private Issued issue(X500Name subject, Instant notBefore, Instant notAfter, Role role) {
            Objects.requireNonNull(notBefore, "notBefore");
            Objects.requireNonNull(notAfter, "notAfter");
            KeyPair keyPair = newKeyPair();
            X509Certificate issued = sign(nameOf(certificate), key, certificate, subject, keyPair.getPublic(),
                    notBefore, notAfter, role);
            return new Issued(issued, keyPair.getPrivate(), chainBelowRoot(issued));
        }

        /** {@code leaf} followed by this CA's certificate (unless it is the root) and the intermediates above it. */
        private List<X509Certificate> chainBelowRoot(X509Certificate leaf) {
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(leaf);
            chain.addAll(intermediates);
            return List.copyOf(chain);
        }
    }

    /**
     * A certificate with its private key; {@code chain} is the certificate followed by the intermediate CAs up to,
     * but excluding, the root: what a TLS peer sends.
     */
    public record Issued(X509Certificate certificate, PrivateKey key, List<X509Certificate> chain) {

        public Issued {
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(key, "key");
            chain = List.copyOf(chain);
        }

        /** Writes the chain to {@code certificateFile} and the PKCS#8 key to {@code keyFile}, both PEM. */
        public void writePem(Path certificateFile, Path keyFile) throws IOException {
            writeCertificatePem(certificateFile, chain.toArray(X509Certificate[]::new));
            writeKeyPem(keyFile, key);
        }

        /** Key material presenting this certificate and its chain, from an in-memory key store. */
        public KeyManagerFactory keyManagerFactory() {
            try {
                KeyStore keyStore = KeyStore.getInstance("PKCS12");
                keyStore.load(null, null);
                keyStore.setKeyEntry("key", key, KEY_STORE_PASSWORD, chain.toArray(X509Certificate[]::new));
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(keyStore, KEY_STORE_PASSWORD);
                return factory;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot build a key manager", e);
            }
        }
    }

    /** Trust in exactly {@code anchors}, from an in-memory key store. */
    public static TrustManagerFactory trustManagerFactory(X509Certificate... anchors) {
        try {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            for (int i = 0; i < anchors.length; i++) {
                keyStore.setCertificateEntry("anchor-" + i, anchors[i]);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(keyStore);
            return factory;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust manager", e);
        }
    }

    /** The certificate as one PEM block ({@code -----BEGIN CERTIFICATE-----}). */
    public static String pem(X509Certificate certificate) {
        try {
            return pem("CERTIFICATE", certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encode " + certificate.getSubjectX500Principal(), e);
        }
    }

    /** Writes the certificates, in order, as consecutive PEM blocks. */
    public static void writeCertificatePem(Path file, X509Certificate... certificates) throws IOException {
        StringBuilder text = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            text.append(pem(certificate));
        }
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }

    /** Writes the key as unencrypted PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}). */
    public static void writeKeyPem(Path file, PrivateKey key) throws IOException {
        Files.writeString(file, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
    }

    private static String pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    /** What a certificate is for, which decides its extensions. */
    private enum Role { CA, CLIENT, SERVER }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an EC P-256 key", e);
        }
    }

    /**
     * An RFC 2253 name, most specific first, so that {@link X500Principal#getName()} of the certificate gives back
     * the same string ({@code new X500Name(String)} would encode the RDNs in the written order instead).
     */
    private static X500Name name(String rfc2253) {
        return X500Name.getInstance(new X500Principal(rfc2253).getEncoded());
    }

    /** The subject exactly as encoded in {@code certificate}, so that issuer names match byte for byte. */
    private static X500Name nameOf(X509Certificate certificate) {
        return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    }

    /** Signs a certificate; {@code issuerCertificate} is null for a self-signed root. */
    private static X509Certificate sign(X500Name issuer, PrivateKey issuerKey, X509Certificate issuerCertificate,
            X500Name subject, PublicKey subjectKey, Instant notBefore, Instant notAfter, Role role) {
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(63, RANDOM),
                    Date.from(notBefore.truncatedTo(ChronoUnit.SECONDS)),
                    Date.from(notAfter.truncatedTo(ChronoUnit.SECONDS)), subject, subjectKey)
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(subjectKey));
            if (issuerCertificate != null) {
                builder.addExtension(Extension.authorityKeyIdentifier, false,
                        extensions.createAuthorityKeyIdentifier(issuerCertificate));
            }
            switch (role) {
                case CA -> builder
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                        .addExtension(Extension.keyUsage, true,
                                new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
                case CLIENT -> builder
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                        .addExtension(Extension.extendedKeyUsage, false,
                                new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
                case SERVER -> builder
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                        .addExtension(Extension.extendedKeyUsage, false,
                                new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                        .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                                new GeneralName(GeneralName.dNSName, "localhost"),
                                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                                new GeneralName(GeneralName.iPAddress, "::1")}));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot sign a certificate for " + subject, e);
        }
    }
}
