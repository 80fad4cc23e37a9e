"""Input for the transactions import page: the file. Its rows are checked by the import service."""

from django import forms

from valuepartner.forms import DomainErrorFormMixin

from .csv_format import MAX_BYTES


class TransactionImportForm(DomainErrorFormMixin, forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=f"UTF-8 CSV with the columns below, at most {MAX_BYTES // (1024 * 1024)} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")
        return upload
