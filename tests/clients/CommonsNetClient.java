// Apache commons-net FTPClient with its defaults (active mode, no timeouts), fetching one file.
// usage: java -cp commons-net.jar CommonsNetClient.java HOST PORT PATH OUT
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;

public class CommonsNetClient {
    public static void main(String[] args) throws Exception {
        FTPClient ftp = new FTPClient();
        ftp.connect(args[0], Integer.parseInt(args[1]));
        if (!ftp.login("anonymous", "anonymous@")) {
            System.err.println("login refused: " + ftp.getReplyString().trim());
            System.exit(1);
        }
        ftp.setFileType(FTP.BINARY_FILE_TYPE);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        if (!ftp.retrieveFile(args[2], got)) {
            System.err.println("RETR failed: " + ftp.getReplyString().trim());
            System.exit(1);
        }
        Files.write(Path.of(args[3]), got.toByteArray());
        System.out.println(got.size() + " bytes");
        ftp.logout();
        ftp.disconnect();
    }
}
