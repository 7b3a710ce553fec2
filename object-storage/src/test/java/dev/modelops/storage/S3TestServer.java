package dev.modelops.storage;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server for tests: S3Proxy on a loopback port, over real HTTP, keeping its objects in
 * memory, checking AWS signatures (V2 and V4) against one access key. {@link #asClientEnvironment}
 * points the clients of this JVM (the trainer, the model server run in-process) at it through the
 * AWS SDK's system properties, as the operator's Pod environment points them at a real store.
 */
public final class S3TestServer implements AutoCloseable {
  public static final String ACCESS_KEY = "modelops-test";
  public static final String SECRET_KEY = "modelops-test-secret";

  private final BlobStoreContext context;
  private final S3Proxy proxy;
  private final URI endpoint;

  private S3TestServer(BlobStoreContext context, S3Proxy proxy) {
    this.context = context;
    this.proxy = proxy;
    this.endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  /** Starts a server with an empty in-memory store on a free loopback port. */
  public static S3TestServer start() throws Exception {
    BlobStoreContext context = ContextBuilder.newBuilder("transient").credentials(ACCESS_KEY, SECRET_KEY)
        .overrides(new Properties()).build(BlobStoreContext.class);
    S3Proxy proxy = S3Proxy.builder().blobStore(context.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
    proxy.start();
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!AbstractLifeCycle.STARTED.equals(proxy.getState())) {
      if (System.nanoTime() > deadline || AbstractLifeCycle.FAILED.equals(proxy.getState())) {
        context.close();
        throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
      }
      Thread.sleep(5);
    }
    return new S3TestServer(context, proxy);
  }

  public URI endpoint() {
    return endpoint;
  }

  /** A client of this server with the right key, for a test to put and look at objects. */
  public S3Client client() {
    return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY))).build();
  }

  public void createBucket(String bucket) {
    try (S3Client c = client()) {
      c.createBucket(b -> b.bucket(bucket));
    }
  }

  public void put(String bucket, String key, Path file) {
    try (S3Client c = client()) {
      c.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file));
    }
  }

  /**
   * Points this JVM's S3 clients ({@link S3Storage#fromEnvironment()}) at this server with the
   * given secret key (the right one, {@link #SECRET_KEY}, or a wrong one), until closed.
   */
  public Environment asClientEnvironment(String secretKey) {
    Map<String, String> properties = Map.of(
        "aws.accessKeyId", ACCESS_KEY, "aws.secretAccessKey", secretKey, "aws.region", "us-east-1", "aws.endpointUrlS3", endpoint.toString());
    properties.forEach(System::setProperty);
    return () -> properties.keySet().forEach(System::clearProperty);
  }

  /** The client configuration of {@link #asClientEnvironment}; closing it clears it. */
  public interface Environment extends AutoCloseable {
    @Override
    void close();
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
    context.close();
  }

  /**
   * A server for a test class, with its buckets made:
   * {@code @RegisterExtension static final S3TestServer.Extension s3 = S3TestServer.forEachClass("data");}.
   * The client configuration a test sets with {@link #asClientEnvironment} is cleared after it.
   */
  public static Extension forEachClass(String... buckets) {
    return new Extension(buckets);
  }

  /** Starts the server before the class's tests, stops it after them. */
  public static final class Extension implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {
    private final String[] buckets;
    private S3TestServer server;
    private Environment environment;

    private Extension(String[] buckets) {
      this.buckets = buckets;
    }

    public S3TestServer server() {
      return server;
    }

    public URI endpoint() {
      return server.endpoint();
    }

    /** Points this JVM's S3 clients at the server with {@code secretKey}, until this test (or the caller) ends it. */
    public Environment asClientEnvironment(String secretKey) {
      environment = server.asClientEnvironment(secretKey);
      return environment;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
      server = start();
      for (String bucket : buckets) {
        server.createBucket(bucket);
      }
    }

    @Override
    public void afterEach(ExtensionContext context) {
      if (environment != null) {
        environment.close();
        environment = null;
      }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
      afterEach(context);
      server.close();
    }
  }
}
